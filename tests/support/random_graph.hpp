#pragma once
/// Seeded random graphs and batches for tests and benchmarks (core/random.hpp underneath: the same
/// seed gives the same graph on every machine and for any number of threads).
///
///   Graph g = random_graph(40, 100, /*seed=*/7);                       // directed multigraph
///   Graph u = random_graph(40, 100, 7, RandomGraphOptions().undirected(true).distinct(true)
///                                           .self_loops(false));      // 100 pairs, 200 edges
///   GraphBatch b = random_batch(128, /*seed=*/1, proteins_like());     // the peer's PROTEINS-like
///   GraphBatch c = random_batch(10, 3, RandomBatchOptions().sizes(0, 5).edges_per_node(2));
///
/// What is drawn (all uniform):
/// - random_edges / random_graph: `num_edges` draws of a (source, target) pair; with
/// undirected(true)
///   a draw {u, v} is stored as u -> v followed by v -> u (a self loop u -> u once), so a graph
///   gets 2 * num_edges edges minus its self loops. The COO order is the draw order; random_graph
///   builds the CSR from it with Graph::from_edges (default options: nothing dropped or merged).
/// - distinct(false) (default) allows repeated pairs (a multigraph: useful to exercise merging);
///   distinct(true) draws without repetition (throws ValueError if num_edges exceeds the number of
///   possible pairs: n * n directed, n * (n + 1) / 2 undirected, fewer without self loops).
/// - self_loops(false) never draws u -> u (needs n >= 2 unless num_edges is 0).
/// - weighted(true) attaches weights uniform in [weight_lo, weight_hi) (default [0.5, 2)).
/// - random_graphs / random_batch: graph g has n_g ~ U{lo..hi} nodes and round(n_g *
///   edges_per_node) draws (clamped to the possible pairs when distinct), then the options above.
#include <cstdint>
#include <vector>

#include "graph/graph.hpp"
#include "graph/graph_batch.hpp"

namespace graphpool::testing {

struct RandomGraphOptions {
  /// Store every drawn pair in both directions (default false: directed).
  RandomGraphOptions& undirected(bool on) {
    undirected_ = on;
    return *this;
  }
  /// Allow self loops u -> u (default true).
  RandomGraphOptions& self_loops(bool on) {
    self_loops_ = on;
    return *this;
  }
  /// Draw without repeated pairs (default false: repeats allowed).
  RandomGraphOptions& distinct(bool on) {
    distinct_ = on;
    return *this;
  }
  /// Attach edge weights uniform in [lo, hi) (default unweighted). Both directions of an
  /// undirected pair get the same weight.
  RandomGraphOptions& weighted(bool on, double lo = 0.5, double hi = 2.0) {
    weighted_ = on;
    weight_lo_ = lo;
    weight_hi_ = hi;
    return *this;
  }
  bool undirected_ = false;
  bool self_loops_ = true;
  bool distinct_ = false;
  bool weighted_ = false;
  double weight_lo_ = 0.5;
  double weight_hi_ = 2.0;
};

/// A COO edge list in draw order (weights empty when unweighted).
struct RandomEdges {
  std::vector<Index> sources;
  std::vector<Index> targets;
  std::vector<double> weights;
};

/// `num_edges` random draws on `num_nodes` nodes as a COO list (see the file comment).
RandomEdges random_edges(Index num_nodes, Index num_edges, std::uint64_t seed,
                         const RandomGraphOptions& options = {});
/// Graph::from_edges(num_nodes, random_edges(...)).
Graph random_graph(Index num_nodes, Index num_edges, std::uint64_t seed,
                   const RandomGraphOptions& options = {});

struct RandomBatchOptions {
  /// Nodes per graph uniform in [lo, hi] (default [20, 60]; lo may be 0 for empty graphs).
  RandomBatchOptions& sizes(Index lo, Index hi) {
    min_nodes_ = lo;
    max_nodes_ = hi;
    return *this;
  }
  /// Draws per graph = round(n * ratio) (default 150 / 80, PROTEINS' mean edges per node).
  RandomBatchOptions& edges_per_node(double ratio) {
    edges_per_node_ = ratio;
    return *this;
  }
  /// Options for every graph (default: directed multigraph with self loops, unweighted).
  RandomBatchOptions& graph(const RandomGraphOptions& options) {
    graph_ = options;
    return *this;
  }
  Index min_nodes_ = 20;
  Index max_nodes_ = 60;
  double edges_per_node_ = 150.0 / 80.0;
  RandomGraphOptions graph_;
};

/// The peer's PROTEINS-like graphs: n ~ U{20..60}, round(n * 150 / 80) distinct undirected pairs
/// stored in both directions, no self loops (about 150 directed edges per graph of mean size 40).
RandomBatchOptions proteins_like();

/// `num_graphs` random graphs (see the file comment).
std::vector<Graph> random_graphs(Index num_graphs, std::uint64_t seed,
                                 const RandomBatchOptions& options = {});
/// GraphBatch::collate(random_graphs(num_graphs, seed, options)).
GraphBatch random_batch(Index num_graphs, std::uint64_t seed,
                        const RandomBatchOptions& options = {});

}  // namespace graphpool::testing
