#pragma once
// Inputs shared by the bench programs, generated from fixed seeds so every run sees the same bytes.
//   Tensor<float> x = bench::normal_tensor({n, 128}, CounterRng(2, 0));
//   std::vector<Index> node_ptr = bench::peer_like_node_ptr(10'000, 400'261, /*seed=*/1);
#include <vector>

#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

namespace graphpool::bench {

/// N(0, 1) entries, element i drawn from rng.normal(i) (in parallel; same bytes for any threads).
inline Tensor<float> normal_tensor(const Shape& shape, const CounterRng& rng) {
  Tensor<float> t(shape);
  float* data = t.data();
  parallel_for(0, t.numel(), 1 << 16, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i)
      data[i] = static_cast<float>(rng.normal(static_cast<std::uint64_t>(i)));
  });
  return t;
}

/// Node offsets of `graphs` graphs with sizes U{20..60} from CounterRng(seed, 0), then nudged one
/// node at a time (staying in 20..60) until the total is `total_nodes`, the peer's batch size, so
/// both sides pool exactly the same number of rows.
inline std::vector<Index> peer_like_node_ptr(Index graphs, Index total_nodes, std::uint64_t seed) {
  const CounterRng rng(seed, 0);
  std::vector<Index> sizes(static_cast<std::size_t>(graphs));
  Index total = 0;
  for (Index g = 0; g < graphs; ++g) {
    sizes[static_cast<std::size_t>(g)] =
        20 + static_cast<Index>(rng.below(static_cast<std::uint64_t>(g), 41));
    total += sizes[static_cast<std::size_t>(g)];
  }
  for (Index g = 0; total != total_nodes; g = (g + 1) % graphs) {
    Index& n = sizes[static_cast<std::size_t>(g)];
    if (total < total_nodes && n < 60) ++n, ++total;
    if (total > total_nodes && n > 20) --n, --total;
  }
  std::vector<Index> ptr{0};
  for (Index n : sizes) ptr.push_back(ptr.back() + n);
  return ptr;
}

}  // namespace graphpool::bench
