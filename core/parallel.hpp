#pragma once
/// The one parallel helper: every parallel loop in graphpool goes through it.
///
/// Work is cut into fixed chunks [begin + c * grain, begin + (c + 1) * grain) that do not depend on
/// the number of threads, and reductions combine chunk results in chunk order, so results are
/// bitwise identical for any thread count.
///   parallel_for(0, rows, 64, [&](Index lo, Index hi) { for (Index i = lo; i < hi; ++i) ...; });
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace graphpool {

using Index = std::int64_t;

/// A non-owning reference to a callable `void(Index lo, Index hi)` (no allocation).
class ChunkBody {
 public:
  template <class F>
    requires(!std::is_same_v<std::decay_t<F>, ChunkBody>)
  ChunkBody(F&& f)  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* object, Index lo, Index hi) {
          (*static_cast<std::remove_reference_t<F>*>(object))(lo, hi);
        }) {}
  void operator()(Index lo, Index hi) const { call_(object_, lo, hi); }

 private:
  void* object_;
  void (*call_)(void*, Index, Index);
};

/// Loops whose estimated work (items x item_cost, in elementary operations) is below this run on
/// the calling thread: waking and joining a second thread costs more than such a loop saves.
inline constexpr Index kMinParallelWork = Index(1) << 15;

/// Elements per chunk of an elementwise loop (~64 KiB of float): scheduling such a chunk costs
/// little next to its work. Fixed, so the chunks never depend on the thread count.
inline constexpr Index kElementsPerChunk = Index(1) << 14;

/// Rows of `width` elements per chunk: about kElementsPerChunk elements, at least `min_rows`.
///   parallel_for(0, rows, rows_per_chunk(cols), body, cols);
constexpr Index rows_per_chunk(Index width, Index min_rows = 1) {
  return std::max<Index>(min_rows, kElementsPerChunk / std::max<Index>(width, 1));
}

/// Calls body(lo, hi) once per fixed chunk of [begin, end), chunks of `grain` items, in parallel.
/// `item_cost` is a rough count of elementary operations per item (e.g. the feature width of a
/// row loop); when (end - begin) * item_cost < kMinParallelWork the chunks run inline, in order.
/// 0 (the default) means unknown: always eligible for parallel runs. The chunks are the same
/// either way, so results never depend on this choice or on the thread count.
///   parallel_for(0, rows, 64, body, /*item_cost=*/cols);
void parallel_for(Index begin, Index end, Index grain, ChunkBody body, Index item_cost = 0);

/// The elementwise loop: body(lo, hi) over the fixed chunks of kElementsPerChunk elements of
/// [0, n), in parallel (inline when n * item_cost < kMinParallelWork).
///   parallel_for_elements(n, [&](Index lo, Index hi) { std::fill(p + lo, p + hi, 0.f); });
inline void parallel_for_elements(Index n, ChunkBody body, Index item_cost = 1) {
  parallel_for(0, n, kElementsPerChunk, body, item_cost);
}

/// Deterministic reduction: map(lo, hi) -> R per fixed chunk, then combine(acc, chunk) in chunk
/// order. `item_cost` as for parallel_for.
template <class R, class Map, class Combine>
R parallel_reduce(Index begin, Index end, Index grain, R identity, Map&& map, Combine&& combine,
                  Index item_cost = 0) {
  if (end <= begin) return identity;
  if (grain < 1) grain = 1;
  const Index chunks = (end - begin + grain - 1) / grain;
  std::vector<R> partial(static_cast<std::size_t>(chunks), identity);
  // one item per chunk here: its cost is that of grain items of the caller's loop
  const Index chunk_cost = item_cost > 0 ? item_cost * grain : 0;
  parallel_for(
      0, chunks, 1,
      [&](Index c_lo, Index c_hi) {
        for (Index c = c_lo; c < c_hi; ++c) {
          const Index lo = begin + c * grain;
          const Index hi = std::min(end, lo + grain);
          partial[static_cast<std::size_t>(c)] = map(lo, hi);
        }
      },
      chunk_cost);
  R acc = std::move(identity);
  for (auto& p : partial) acc = combine(std::move(acc), std::move(p));
  return acc;
}

/// Number of threads parallel_for may use right now (respects any active ThreadLimit).
int max_threads();

/// Limits graphpool (and all oneTBB work) to `threads` threads while alive (tbb::global_control).
///   ThreadLimit one(1);  // everything in this scope runs on one thread
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads);
  ~ThreadLimit();
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace graphpool
