#pragma once
/// A batch of graphs as one block-diagonal graph: the nodes of graph g are
/// node_ptr[g] .. node_ptr[g + 1] (contiguous, as PyG's Batch), so readouts are segment reductions.
///   GraphBatch batch = GraphBatch::collate({g0, g1, g2});
///   batch.num_graphs();                 // 3
///   std::vector<Graph> back = batch.split();
#include <span>
#include <vector>

#include "graph/graph.hpp"

namespace graphpool {

class GraphBatch {
 public:
  GraphBatch() : node_ptr_(1, 0) {}
  /// From the union graph and the per-graph node offsets; throws if an edge joins two graphs
  /// or node_ptr is not monotone from 0 to graph.num_nodes().
  GraphBatch(Graph graph, std::vector<Index> node_ptr);
  /// Block-diagonal union; node ids of graph g are shifted by node_ptr[g].
  static GraphBatch collate(std::span<const Graph> graphs);
  /// The graphs back, renumbered from 0 (inverse of collate).
  std::vector<Graph> split() const;

  Index num_graphs() const { return static_cast<Index>(node_ptr_.size()) - 1; }
  Index num_nodes() const { return graph_.num_nodes(); }
  Index num_edges() const { return graph_.num_edges(); }
  const Graph& graph() const { return graph_; }
  /// [num_graphs + 1] node offsets per graph.
  std::span<const Index> node_ptr() const { return node_ptr_; }
  /// [num_nodes] graph id of every node (PyG's `batch` vector).
  std::span<const Index> node_graph() const { return node_graph_; }
  /// [num_graphs + 1] edge offsets per graph in CSR order (edges of graph g are contiguous).
  std::span<const Index> edge_offsets() const { return edge_offsets_; }
  Index graph_size(Index g) const { return node_ptr_[g + 1] - node_ptr_[g]; }

 private:
  Graph graph_;
  std::vector<Index> node_ptr_;
  std::vector<Index> node_graph_;
  std::vector<Index> edge_offsets_;
};

}  // namespace graphpool
