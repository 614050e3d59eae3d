// The machine's state, not graphpool's: the round trip of one cache line between two threads pinned
// to the first two CPUs of the process's affinity mask. On the shared VM of docs/performance.md it
// is ~52 ns while the two vCPUs sit on cores that share an L3, ~350 ns while the host has them far
// apart; two-thread work (graphpool's epoch, torch's) is slower in the second state, one thread is
// not. bench/compare.sh records it before each side of each round.
//   build/bench/bench_core_round_trip --benchmark_format=json
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bench/bench_main.hpp"

namespace {

bool pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

// the n-th CPU of `set`, or -1
int nth_cpu(const cpu_set_t& set, int n) {
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set) && n-- == 0) return cpu;
  }
  return -1;
}

void BM_CoreRoundTrip(benchmark::State& state) {
  cpu_set_t allowed;  // the main thread's mask, restored at the end
  if (pthread_getaffinity_np(pthread_self(), sizeof allowed, &allowed) != 0) {
    state.SkipWithError("no affinity mask");
    return;
  }
  const int first = nth_cpu(allowed, 0), second = nth_cpu(allowed, 1);
  if (second < 0) {
    state.SkipWithError("fewer than two CPUs");
    return;
  }
  constexpr long kRoundTrips = 20000;
  alignas(64) std::atomic<long> turn{0};
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    pin_to(second);
    // answers every odd value with the next even one
    for (long seen = 0; !stop.load(std::memory_order_relaxed);) {
      const long value = turn.load(std::memory_order_acquire);
      if (value != seen && (value & 1)) {
        turn.store(value + 1, std::memory_order_release);
        seen = value + 1;
      }
    }
  });
  const bool pinned = pin_to(first);
  long value = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (long i = 0; i < kRoundTrips; ++i) {
      turn.store(++value, std::memory_order_release);
      while (turn.load(std::memory_order_acquire) != value + 1) {
      }
      ++value;
    }
  }
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  stop = true;
  echo.join();
  pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
  if (!pinned) state.SkipWithError("could not pin to a CPU");
  state.counters["round_trip_ns"] =
      elapsed.count() / static_cast<double>(state.iterations() * kRoundTrips);
}

void register_all() {
  benchmark::RegisterBenchmark("machine/core_round_trip", BM_CoreRoundTrip)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, register_all);
}
