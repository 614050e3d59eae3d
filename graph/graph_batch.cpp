#include "graph/graph_batch.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>

#include "core/errors.hpp"

namespace graphpool {
namespace {

constexpr Index kGraphGrain = 64;  // graphs per parallel chunk

std::string str(Index v) {
  return std::to_string(v);
}

}  // namespace

GraphBatch::GraphBatch(Graph graph, std::vector<Index> node_ptr)
    : graph_(std::move(graph)), node_ptr_(std::move(node_ptr)) {
  const char* where = "GraphBatch: ";
  if (node_ptr_.empty()) {
    throw ShapeError(where + std::string("node_ptr must have num_graphs + 1 >= 1 entries, got 0"));
  }
  if (node_ptr_.front() != 0) {
    throw ValueError(where + std::string("node_ptr[0] must be 0, got ") + str(node_ptr_.front()));
  }
  const Index G = num_graphs();
  for (Index g = 0; g < G; ++g) {
    if (node_ptr_[g + 1] < node_ptr_[g]) {
      throw ValueError(where + std::string("node_ptr must be non-decreasing, but node_ptr[") +
                       str(g) + "] = " + str(node_ptr_[g]) + " > node_ptr[" + str(g + 1) +
                       "] = " + str(node_ptr_[g + 1]));
    }
  }
  if (node_ptr_.back() != graph_.num_nodes()) {
    throw ShapeError(where + std::string("node_ptr ends at ") + str(node_ptr_.back()) +
                     " but the graph has " + str(graph_.num_nodes()) + " nodes");
  }
  // node_graph[v] = g for v in [node_ptr[g], node_ptr[g + 1])
  node_graph_.resize(static_cast<std::size_t>(graph_.num_nodes()));
  // work per graph: its nodes (fill) or its edges (check); small batches run inline
  const Index per_graph = G > 0 ? 1 + (graph_.num_nodes() + graph_.num_edges()) / G : 1;
  parallel_for(
      0, G, kGraphGrain,
      [&](Index lo, Index hi) {
        for (Index g = lo; g < hi; ++g) {
          std::fill(node_graph_.begin() + node_ptr_[g], node_graph_.begin() + node_ptr_[g + 1], g);
        }
      },
      per_graph);
  // edge_offsets[g] = edge_ptr[node_ptr[g]]: edges are grouped by target, targets by graph.
  const auto edge_ptr = graph_.edge_ptr();
  edge_offsets_.resize(node_ptr_.size());
  for (Index g = 0; g <= G; ++g) edge_offsets_[g] = edge_ptr[node_ptr_[g]];
  // Every edge must stay inside its target's graph; report the first offender in CSR order.
  const auto sources = graph_.sources();
  const Index bad = parallel_reduce(
      Index{0}, G, kGraphGrain, Index{-1},
      [&](Index lo, Index hi) {
        for (Index g = lo; g < hi; ++g) {
          for (Index e = edge_offsets_[g]; e < edge_offsets_[g + 1]; ++e) {
            if (sources[e] < node_ptr_[g] || sources[e] >= node_ptr_[g + 1]) return e;
          }
        }
        return Index{-1};
      },
      [](Index acc, Index chunk) { return acc >= 0 ? acc : chunk; }, per_graph);
  if (bad >= 0) {
    const Index s = sources[bad];
    const auto targets_begin = std::upper_bound(edge_ptr.begin(), edge_ptr.end(), bad);
    const Index t = static_cast<Index>(targets_begin - edge_ptr.begin()) - 1;
    throw ValueError(where + std::string("edge ") + str(bad) + " (" + str(s) + " -> " + str(t) +
                     ") joins graph " + str(node_graph_[s]) + " and graph " + str(node_graph_[t]) +
                     "; every edge must stay inside one graph");
  }
}

GraphBatch GraphBatch::collate(std::span<const Graph> graphs) {
  const Index G = static_cast<Index>(graphs.size());
  // Count -> prefix sum: node and edge offsets per graph.
  std::vector<Index> node_ptr(static_cast<std::size_t>(G) + 1, 0);
  std::vector<Index> edge_off(static_cast<std::size_t>(G) + 1, 0);
  bool weighted = false;
  for (Index g = 0; g < G; ++g) {
    node_ptr[g + 1] = node_ptr[g] + graphs[g].num_nodes();
    edge_off[g + 1] = edge_off[g] + graphs[g].num_edges();
    weighted = weighted || graphs[g].weighted();
  }
  std::vector<Index> edge_ptr(static_cast<std::size_t>(node_ptr.back()) + 1, 0);
  std::vector<Index> sources(static_cast<std::size_t>(edge_off.back()));
  std::vector<double> weights(weighted ? sources.size() : 0);
  // Fill: graph g's CSR shifted by (node_ptr[g], edge_off[g]).
  parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
    for (Index g = lo; g < hi; ++g) {
      const Graph& gr = graphs[g];
      const Index n0 = node_ptr[g], e0 = edge_off[g];
      const auto ptr = gr.edge_ptr();
      const auto src = gr.sources();
      for (Index t = 0; t < gr.num_nodes(); ++t) edge_ptr[n0 + t + 1] = e0 + ptr[t + 1];
      for (Index e = 0; e < gr.num_edges(); ++e) {
        sources[e0 + e] = n0 + src[e];
        if (weighted) weights[e0 + e] = gr.weight(e);
      }
    }
  });
  return GraphBatch(Graph::from_csr(std::move(edge_ptr), std::move(sources), std::move(weights)),
                    std::move(node_ptr));
}

std::vector<Graph> GraphBatch::split() const {
  const Index G = num_graphs();
  std::vector<Graph> out(static_cast<std::size_t>(G));
  const auto edge_ptr = graph_.edge_ptr();
  const auto src = graph_.sources();
  const auto w = graph_.weights();
  parallel_for(0, G, kGraphGrain, [&](Index lo, Index hi) {
    for (Index g = lo; g < hi; ++g) {
      const Index n0 = node_ptr_[g], n1 = node_ptr_[g + 1];
      const Index e0 = edge_offsets_[g], e1 = edge_offsets_[g + 1];
      std::vector<Index> ptr(static_cast<std::size_t>(n1 - n0) + 1);
      for (Index t = n0; t <= n1; ++t) ptr[t - n0] = edge_ptr[t] - e0;
      std::vector<Index> s(static_cast<std::size_t>(e1 - e0));
      for (Index e = e0; e < e1; ++e) s[e - e0] = src[e] - n0;
      std::vector<double> wg;
      if (!w.empty()) wg.assign(w.begin() + e0, w.begin() + e1);
      out[g] = Graph::from_csr(std::move(ptr), std::move(s), std::move(wg));
    }
  });
  return out;
}

}  // namespace graphpool
