#pragma once
// Small graph builders shared by the layer tests (header-only, test code only).
#include <algorithm>
#include <numeric>
#include <vector>

#include "core/random.hpp"
#include "core/tensor.hpp"
#include "graph/graph.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool::testing {

// The golden file's edge_index [2, E] flattened row-major: sources then targets.
inline Graph graph_from_edge_index(const std::vector<Index>& edge_index, Index num_nodes) {
  const std::size_t E = edge_index.size() / 2;
  std::vector<Index> src(edge_index.begin(), edge_index.begin() + static_cast<long>(E));
  std::vector<Index> dst(edge_index.begin() + static_cast<long>(E), edge_index.end());
  return Graph::from_edges(num_nodes, src, dst);
}

// A batch of random graphs of the given sizes: `edges_per_node * n / 2` random undirected pairs
// stored both ways (self loops skipped; duplicates possible), plus one duplicated edge when
// `duplicate` is set.
inline GraphBatch random_batch(const std::vector<Index>& sizes, std::uint64_t seed,
                               Index edges_per_node = 2, bool duplicate = true) {
  CounterRng rng(seed, 1);
  std::uint64_t draw = 0;
  std::vector<Index> src, dst, node_ptr{0};
  for (Index n : sizes) {
    const Index offset = node_ptr.back();
    for (Index k = 0; n > 1 && k < edges_per_node * n / 2; ++k) {
      const Index i = static_cast<Index>(rng.below(draw++, static_cast<std::uint64_t>(n)));
      const Index j = static_cast<Index>(rng.below(draw++, static_cast<std::uint64_t>(n)));
      if (i == j) continue;
      src.push_back(offset + i), dst.push_back(offset + j);
      src.push_back(offset + j), dst.push_back(offset + i);
    }
    node_ptr.push_back(offset + n);
  }
  if (duplicate && !src.empty()) src.push_back(src[0]), dst.push_back(dst[0]);
  Graph g = Graph::from_edges(node_ptr.back(), src, dst);
  return GraphBatch(std::move(g), node_ptr);
}

// COO edge list of a graph in CSR order (source, target) pairs.
struct EdgeList {
  std::vector<Index> src, dst;
};
inline EdgeList edges_of(const Graph& g) {
  EdgeList out;
  for (Index t = 0; t < g.num_nodes(); ++t) {
    for (Index e = g.edge_ptr()[t]; e < g.edge_ptr()[t + 1]; ++e) {
      out.src.push_back(g.sources()[e]);
      out.dst.push_back(t);
    }
  }
  return out;
}

// Renumbers a graph's nodes: node i becomes perm[i] (edges keep their relative order).
inline Graph permute_graph(const Graph& g, const std::vector<Index>& perm) {
  EdgeList e = edges_of(g);
  for (auto& s : e.src) s = perm[s];
  for (auto& t : e.dst) t = perm[t];
  return Graph::from_edges(g.num_nodes(), e.src, e.dst);
}

}  // namespace graphpool::testing
