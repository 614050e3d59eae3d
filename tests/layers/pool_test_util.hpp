#pragma once
// Helpers shared by the top-k and SAGPool tests (header-only, test code only).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "layers/select.hpp"
#include "tests/layers/graph_fixtures.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/golden.hpp"

namespace graphpool::testing {

// PyG's out_edge_index [2, E] stably sorted by target: graphpool's CSR-by-target order.
inline EdgeList pyg_edges_by_target(const std::vector<Index>& edge_index) {
  const std::size_t E = edge_index.size() / 2;
  std::vector<std::size_t> order(E);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return edge_index[E + a] < edge_index[E + b];
  });
  EdgeList out;
  for (std::size_t e : order) {
    out.src.push_back(edge_index[e]);
    out.dst.push_back(edge_index[E + e]);
  }
  return out;
}

// Checks a pooling result against a golden case's forward outputs.
inline void expect_matches_golden_forward(const GoldenCase& c, const PoolOutput<double>& out) {
  const auto kept = out.kept();
  EXPECT_EQ(std::vector<Index>(kept.begin(), kept.end()), c.indices("out_kept"));
  const auto ng = out.batch.node_graph();
  EXPECT_EQ(std::vector<Index>(ng.begin(), ng.end()), c.indices("out_batch"));
  EdgeList want = pyg_edges_by_target(c.indices("out_edge_index"));
  EdgeList got = edges_of(out.batch.graph());
  EXPECT_EQ(got.src, want.src);
  EXPECT_EQ(got.dst, want.dst);
  EXPECT_LT(max_abs_diff(out.x.value(), c.tensor("out_x")), 1e-12);
}

// The batch of a golden case (graphs contiguous; node_ptr from the file).
inline GraphBatch golden_batch(const GoldenCase& c) {
  const std::vector<Index>& ptr = c.indices("in_node_ptr");
  Graph g = graph_from_edge_index(c.indices("in_edge_index"), ptr.back());
  return GraphBatch(std::move(g), ptr);
}

// Every graph's nodes permuted within the graph (so graphs stay contiguous): new id of old i.
inline std::vector<Index> within_graph_permutation(const GraphBatch& batch, std::uint64_t seed) {
  std::vector<Index> perm(static_cast<std::size_t>(batch.num_nodes()));
  for (Index g = 0; g < batch.num_graphs(); ++g) {
    const Index a = batch.node_ptr()[g], n = batch.graph_size(g);
    std::vector<Index> p = random_permutation(n, CounterRng(seed, static_cast<std::uint64_t>(g)));
    for (Index i = 0; i < n; ++i) perm[a + i] = a + p[i];
  }
  return perm;
}

inline GraphBatch permute_batch(const GraphBatch& batch, const std::vector<Index>& perm) {
  std::vector<Index> ptr(batch.node_ptr().begin(), batch.node_ptr().end());
  return GraphBatch(permute_graph(batch.graph(), perm), ptr);
}

template <class T>
Tensor<T> permute_rows(const Tensor<T>& x, const std::vector<Index>& perm) {
  Tensor<T> out(x.shape());
  for (Index i = 0; i < x.dim(0); ++i) out.matrix().row(perm[i]) = x.matrix().row(i);
  return out;
}


}  // namespace graphpool::testing
