#pragma once
/// Coarsening primitives: the "connect" step of pooling (PyG's nn/pool/connect). Both are parallel
/// over new targets and deterministic (built count -> prefix sum -> fill, identical bits for any
/// number of threads).
///   Subgraph sub = induced_subgraph(g, kept);                 // top-k / SAGPool: filter_adj
///   Contraction c = contract_clusters(g, cluster, num_clusters); // graclus / grid pooling
#include <span>
#include <vector>

#include "graph/graph.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool {

/// The graph induced by a list of kept nodes (PyG's `filter_adj`): old node kept_nodes[i] becomes
/// node i; an edge survives when both of its ends are kept. Edges are grouped by new target (CSR
/// by target, as every Graph) and, within one target, keep their original relative order.
///   std::vector<Index> kept{4, 0, 2};                     // need not be sorted (top-k order)
///   Subgraph sub = induced_subgraph(g, kept);
///   sub.graph.weight(e) == g.weight(sub.edge_ids[e]);     // carry edge attributes with edge_ids
struct Subgraph {
  Graph graph;                  ///< kept_nodes.size() nodes, weighted iff the input is
  std::vector<Index> edge_ids;  ///< [graph.num_edges()] CSR id in the input of every new edge
  std::vector<Index> node_map;  ///< [input num_nodes] new id of every old node, -1 if dropped
};

/// Throws IndexError for a kept id outside [0, num_nodes) or a node kept twice.
Subgraph induced_subgraph(const Graph& graph, std::span<const Index> kept_nodes);

/// The same on a batch: kept_nodes must be grouped by graph in graph order (any order inside a
/// graph; what top-k pooling of a batch produces). Graph g of the result holds the kept nodes of
/// input graph g (possibly none), so node_ptr comes from the kept counts per graph.
///   SubgraphBatch pooled = induced_subgraph(batch, perm);
struct SubgraphBatch {
  GraphBatch batch;
  std::vector<Index> edge_ids;  ///< [batch.num_edges()] CSR id in the input of every new edge
  std::vector<Index> node_map;  ///< [input num_nodes] new id of every old node, -1 if dropped
};
/// Throws IndexError as above and ValueError when kept_nodes go back to an earlier graph.
SubgraphBatch induced_subgraph(const GraphBatch& batch, std::span<const Index> kept_nodes);

struct ContractOptions {
  /// Edges inside one cluster (which become self loops c -> c): dropped (default, as PyG's
  /// `pool_edge`, which calls remove_self_loops) or kept with their weights summed.
  ContractOptions& self_loops(SelfLoops s) {
    self_loops_ = s;
    return *this;
  }
  /// For an unweighted input: false (default, as PyG's `pool_edge` without edge_attr) gives an
  /// unweighted result; true gives weights = number of merged edges (S^T A S for a hard
  /// assignment S). A weighted input always gives summed weights.
  ContractOptions& count_edges(bool on) {
    count_edges_ = on;
    return *this;
  }
  SelfLoops self_loops_ = SelfLoops::kDrop;
  bool count_edges_ = false;
};

/// Cluster contraction: every edge u -> v becomes cluster[u] -> cluster[v]; repeated cluster pairs
/// are merged into one edge whose weight is the sum of theirs. The incoming edges of each cluster
/// are sorted by source cluster (the order of PyG's `coalesce`); weights are summed in the order
/// (target node ascending, then CSR order), so the result is deterministic.
///   std::vector<Index> cluster{0, 0, 1, 1};
///   Contraction c = contract_clusters(g, cluster, 2);
///   c.edge_map[e];                        // new edge that old edge e went into, -1 if dropped
struct Contraction {
  Graph graph;                  ///< num_clusters nodes (a cluster without members has no edges)
  std::vector<Index> edge_map;  ///< [input num_edges] new edge id of every old edge, or -1
};

/// cluster: [num_nodes] with ids in [0, num_clusters). Throws ShapeError for a wrong size,
/// IndexError for an id out of range, ValueError for num_clusters < 0.
Contraction contract_clusters(const Graph& graph, std::span<const Index> cluster,
                              Index num_clusters, const ContractOptions& options = {});

}  // namespace graphpool
