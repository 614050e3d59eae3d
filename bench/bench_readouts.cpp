// Readouts at the peer's sizes (../shared/peer/bench.py group a): 10,000 graphs of 20..60 nodes,
// 400,261 nodes in all, F = 128, float32. Bytes processed = bytes of x, so "bytes_per_second" is
// the same "GB/s of x" as the peer's table.
//   build/bench/bench_readouts --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
//
// Cases (names are what bench/compare.py maps the peer's cases to):
//   readout/<op>_fwd           free function into a preallocated out (and arg for max)
//   readout/<op>_fwd_bwd       forward + backward kernels, preallocated; grad_x zeroed each time
//                              (what the tape does) then the backward adds into it
//   readout/<op>_fwd_tape      tape.clear(), leaf(x) (a copy of x into reused storage), the op
//   readout/<op>_fwd_bwd_tape  the same + tape.backward(out, seed)
//   (op = sum, mean, max; min has readout/min_fwd only)
//   baseline/colsum            dense column sum of x (one read of x, the memory ceiling)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_data.hpp"
#include "bench/bench_main.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/readout.hpp"

namespace graphpool {
namespace {

constexpr Index kGraphs = 10'000;
constexpr Index kFeatures = 128;
constexpr Index kPeerNodes = 400'261;  // the peer's batch (torch.randint(20, 61) with seed 1)

struct Data {
  std::vector<Index> node_ptr = bench::peer_like_node_ptr(kGraphs, kPeerNodes, 1);
  Tensor<float> x;
  Tensor<float> seed;  // upstream gradient [G, F]
  Data()
      : x(bench::normal_tensor({node_ptr.back(), kFeatures}, CounterRng(2, 0))),
        seed(bench::normal_tensor({kGraphs, kFeatures}, CounterRng(3, 0))) {}
  std::int64_t x_bytes() const { return x.numel() * static_cast<std::int64_t>(sizeof(float)); }
};

Data& data() {
  static Data d;
  return d;
}

void forward(Readout r, const Tensor<float>& x, std::span<const Index> ptr, Tensor<float>& out,
             std::vector<Index>& arg) {
  switch (r) {
    case Readout::kSum:
      segment_sum<float>(x.matrix(), ptr, out.matrix());
      break;
    case Readout::kMean:
      segment_mean<float>(x.matrix(), ptr, out.matrix());
      break;
    case Readout::kMax:
      segment_max<float>(x.matrix(), ptr, out.matrix(), arg);
      break;
    case Readout::kMin:
      segment_min<float>(x.matrix(), ptr, out.matrix(), arg);
      break;
  }
}

// Runs step() twice untimed (like the peer's 2 warm-up calls: first-touch page faults of the
// buffers and tape storage happen there), then times it.
template <class Step>
void run(benchmark::State& state, Step&& step) {
  step();
  step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  const Data& d = data();
  state.SetBytesProcessed(state.iterations() * d.x_bytes());
  state.counters["graphs"] = static_cast<double>(kGraphs);
  state.counters["nodes"] = static_cast<double>(d.x.rows());
}

void BM_Forward(benchmark::State& state, Readout r) {
  const Data& d = data();
  Tensor<float> out({kGraphs, kFeatures});
  std::vector<Index> arg(static_cast<std::size_t>(kGraphs * kFeatures));
  run(state, [&] {
    forward(r, d.x, d.node_ptr, out, arg);
    benchmark::DoNotOptimize(out.data());
  });
}

void BM_ForwardBackward(benchmark::State& state, Readout r) {
  const Data& d = data();
  Tensor<float> out({kGraphs, kFeatures});
  Tensor<float> grad_x(d.x.shape());
  std::vector<Index> arg(static_cast<std::size_t>(kGraphs * kFeatures));
  run(state, [&] {
    forward(r, d.x, d.node_ptr, out, arg);
    grad_x.set_zero();
    switch (r) {
      case Readout::kSum:
        segment_sum_backward<float>(d.seed.matrix(), d.node_ptr, grad_x.matrix());
        break;
      case Readout::kMean:
        segment_mean_backward<float>(d.seed.matrix(), d.node_ptr, grad_x.matrix());
        break;
      default:
        segment_arg_backward<float>(d.seed.matrix(), arg, grad_x.matrix());
        break;
    }
    benchmark::DoNotOptimize(grad_x.data());
  });
}

void BM_Tape(benchmark::State& state, Readout r, bool backward) {
  const Data& d = data();
  Tape<float> tape;
  run(state, [&] {
    tape.clear();
    Var<float> x = tape.leaf(d.x);
    Var<float> out = global_pool(x, d.node_ptr, r);
    if (backward) tape.backward(out, d.seed);
    benchmark::DoNotOptimize(tape.value(out).data());
  });
}

// One read of x: column sums over fixed chunks of rows, combined in order (the peer's
// baseline x.sum(0)); the ceiling of any forward readout.
void BM_ColumnSum(benchmark::State& state) {
  const Data& d = data();
  const float* xp = d.x.data();
  using Row = std::vector<float>;
  run(state, [&] {
    Row total = parallel_reduce(
        Index(0), d.x.rows(), Index(4096), Row(kFeatures, 0.f),
        [&](Index lo, Index hi) {
          Row acc(kFeatures, 0.f);
          float* __restrict a = acc.data();
          for (Index i = lo; i < hi; ++i) {
            const float* __restrict xi = xp + i * kFeatures;
            for (Index f = 0; f < kFeatures; ++f) a[f] += xi[f];
          }
          return acc;
        },
        [](Row acc, const Row& part) {
          for (std::size_t f = 0; f < acc.size(); ++f) acc[f] += part[f];
          return acc;
        });
    benchmark::DoNotOptimize(total.data());
  });
}

// Every case runs parallel code: wall-clock time is the measure.
void wall(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

void register_all() {
  const std::pair<const char*, Readout> ops[] = {
      {"sum", Readout::kSum}, {"mean", Readout::kMean}, {"max", Readout::kMax}};
  for (auto [name, r] : ops) {
    const std::string base = std::string("readout/") + name;
    wall(benchmark::RegisterBenchmark((base + "_fwd").c_str(), BM_Forward, r));
    wall(benchmark::RegisterBenchmark((base + "_fwd_bwd").c_str(), BM_ForwardBackward, r));
    wall(benchmark::RegisterBenchmark((base + "_fwd_tape").c_str(), BM_Tape, r, false));
    wall(benchmark::RegisterBenchmark((base + "_fwd_bwd_tape").c_str(), BM_Tape, r, true));
  }
  wall(benchmark::RegisterBenchmark("readout/min_fwd", BM_Forward, Readout::kMin));
  wall(benchmark::RegisterBenchmark("baseline/colsum", BM_ColumnSum));
}

}  // namespace
}  // namespace graphpool

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, graphpool::register_all);
}
