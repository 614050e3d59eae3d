#include "core/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "core/errors.hpp"

namespace graphpool {

void parallel_for(Index begin, Index end, Index grain, ChunkBody body, Index item_cost) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  const Index chunks = (end - begin + grain - 1) / grain;
  auto run_chunk = [&](Index c) {
    const Index lo = begin + c * grain;
    body(lo, std::min(end, lo + grain));
  };
  // (end - begin) * item_cost < kMinParallelWork, written without overflow
  const bool tiny = item_cost > 0 && (end - begin) <= (kMinParallelWork - 1) / item_cost;
  if (chunks == 1 || tiny || max_threads() == 1) {
    for (Index c = 0; c < chunks; ++c) run_chunk(c);
    return;
  }
  // simple_partitioner with grain 1 over chunk numbers: each body call sees exactly one fixed chunk.
  tbb::parallel_for(
      tbb::blocked_range<Index>(0, chunks, 1),
      [&](const tbb::blocked_range<Index>& r) {
        for (Index c = r.begin(); c < r.end(); ++c) run_chunk(c);
      },
      tbb::simple_partitioner());
}

int max_threads() {
  return static_cast<int>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

struct ThreadLimit::Impl {
  explicit Impl(std::size_t threads)
      : control(tbb::global_control::max_allowed_parallelism, threads) {}
  tbb::global_control control;  // registered for exactly the lifetime of this object
};

ThreadLimit::ThreadLimit(int threads) {
  if (threads < 1) throw ValueError("ThreadLimit: threads must be >= 1, got " + std::to_string(threads));
  impl_ = std::make_unique<Impl>(static_cast<std::size_t>(threads));
}

ThreadLimit::~ThreadLimit() = default;

}  // namespace graphpool
