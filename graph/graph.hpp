#pragma once
/// A directed graph in CSR, stored by target: the incoming edges of node t are
/// sources()[edge_ptr()[t] .. edge_ptr()[t + 1]), in their original (COO) order. This is PyG's
/// message direction: an edge source -> target carries the source's features to the target.
///   std::vector<Index> src{0, 1, 1}, dst{1, 0, 2};
///   Graph g = Graph::from_edges(3, src, dst);            // 3 nodes, 3 edges
///   for (Index e = g.edge_ptr()[2]; e < g.edge_ptr()[3]; ++e) g.sources()[e];   // == 1
#include <span>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

enum class SelfLoops { kKeep, kDrop };
/// kMerge keeps the first occurrence of each (source, target) and sums the weights onto it.
enum class Duplicates { kKeep, kMerge };

struct GraphOptions {
  /// Self loops u -> u: kept (default, as PyG's edge_index) or dropped (PyG's TUDataset).
  GraphOptions& self_loops(SelfLoops s) {
    self_loops_ = s;
    return *this;
  }
  /// Repeated (source, target) pairs: kept (default) or merged (PyG's TUDataset).
  GraphOptions& duplicates(Duplicates d) {
    duplicates_ = d;
    return *this;
  }
  SelfLoops self_loops_ = SelfLoops::kKeep;
  Duplicates duplicates_ = Duplicates::kKeep;
};

class Graph {
 public:
  /// The empty graph (0 nodes, 0 edges).
  Graph() : edge_ptr_(1, 0) {}
  /// From a COO edge list; weights empty means unweighted (every weight 1). An id outside
  /// [0, num_nodes) throws IndexError naming the edge position and the value.
  static Graph from_edges(Index num_nodes, std::span<const Index> sources,
                          std::span<const Index> targets, std::span<const double> weights = {},
                          const GraphOptions& options = {});
  /// From CSR arrays (validated: edge_ptr monotone from 0 to sources.size(), ids in range).
  static Graph from_csr(std::vector<Index> edge_ptr, std::vector<Index> sources,
                        std::vector<double> weights = {});

  Index num_nodes() const { return static_cast<Index>(edge_ptr_.size()) - 1; }
  Index num_edges() const { return static_cast<Index>(sources_.size()); }
  /// [num_nodes + 1]: incoming edges of node t are edge_ptr[t] .. edge_ptr[t + 1].
  std::span<const Index> edge_ptr() const { return edge_ptr_; }
  /// [num_edges]: the source of each edge, grouped by target.
  std::span<const Index> sources() const { return sources_; }
  /// [num_edges] or empty when unweighted (so a weighted graph with 0 edges reads as unweighted).
  std::span<const double> weights() const { return weights_; }
  bool weighted() const { return !weights_.empty(); }
  double weight(Index edge) const { return weights_.empty() ? 1.0 : weights_[edge]; }
  Index in_degree(Index node) const { return edge_ptr_[node + 1] - edge_ptr_[node]; }
  /// The target of every edge, in CSR order (expanded from edge_ptr).
  std::vector<Index> targets() const;
  /// Same nodes, same CSR arrays and same weights (an unweighted graph never equals a weighted
  /// one).
  bool operator==(const Graph& other) const = default;

 private:
  std::vector<Index> edge_ptr_;
  std::vector<Index> sources_;
  std::vector<double> weights_;
};

}  // namespace graphpool
