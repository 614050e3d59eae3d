#pragma once
/// Boost.Graph (BGL) interop. graphpool does not specialise BGL's traits for Graph (whose storage
/// is by target); it converts, in O(n + m):
/// - to_boost_csr: a directed boost::compressed_sparse_row_graph with edges source -> target (PyG's
///   message direction: out_edges(u) are the edges u -> v), for BFS, Dijkstra, strong components...
/// - to_boost_undirected: an undirected boost::adjacency_list with one edge per connected pair, for
///   the BGL algorithms that require an undirected graph (connected_components, ...).
/// - from_boost: any boost::adjacency_list with vecS vertices back to a Graph.
/// Every BGL edge carries a BoostEdge: its weight and the CSR id of the Graph edge it came from.
///   BoostCsrGraph bg = to_boost_csr(g);
///   std::vector<std::size_t> dist(boost::num_vertices(bg), 0);
///   boost::breadth_first_search(bg, 0, boost::visitor(boost::make_bfs_visitor(
///       boost::record_distances(dist.data(), boost::on_tree_edge()))));
/// Only this header includes Boost.Graph.
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/graph_traits.hpp>
#include <boost/property_map/property_map.hpp>
#include <type_traits>
#include <vector>

#include "graph/graph.hpp"

namespace graphpool {

/// Bundled edge property of the BGL graphs made from a Graph.
struct BoostEdge {
  double weight = 1.0;  ///< Graph::weight(id) (1 when unweighted)
  Index id = -1;        ///< CSR id of the Graph edge
};

/// Directed BGL CSR graph; vertex v is node v. Use get(&BoostEdge::weight, bg) as a weight map.
using BoostCsrGraph =
    boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, BoostEdge>;

/// Undirected BGL adjacency list; vertex v is node v.
using BoostUndirectedGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                                   boost::no_property, BoostEdge>;

/// Every Graph edge u -> v becomes the BGL edge u -> v (so BGL's out-edges are the transpose of
/// Graph's by-target storage). Parallel edges and self loops are kept.
BoostCsrGraph to_boost_csr(const Graph& graph);

/// One undirected edge {u, v} per unordered pair joined by an edge in either direction (a
/// symmetric graph's u -> v and v -> u become one edge); a self loop u -> u gives one edge {u, u}.
/// Each edge takes the weight and id of the first Graph edge of its pair in CSR order. Its
/// components are the weakly connected components of the graph.
BoostUndirectedGraph to_boost_undirected(const Graph& graph);

namespace detail {
template <class BglGraph, class EdgeWeight>
Graph from_boost_edges(const BglGraph& g, EdgeWeight&& weight_of, bool weighted,
                       const GraphOptions& options) {
  using Traits = boost::graph_traits<BglGraph>;
  constexpr bool undirected =
      std::is_convertible_v<typename Traits::directed_category, boost::undirected_tag>;
  std::vector<Index> src, dst;
  std::vector<double> w;
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const auto u = static_cast<Index>(boost::source(*it, g));
    const auto v = static_cast<Index>(boost::target(*it, g));
    const int copies = undirected && u != v ? 2 : 1;  // undirected {u, v}: u -> v, then v -> u
    for (int c = 0; c < copies; ++c) {
      src.push_back(c == 0 ? u : v);
      dst.push_back(c == 0 ? v : u);
      if (weighted) w.push_back(static_cast<double>(weight_of(*it)));
    }
  }
  return Graph::from_edges(static_cast<Index>(boost::num_vertices(g)), src, dst, w, options);
}
}  // namespace detail

/// A BGL adjacency_list (vecS vertices, so vertex v is node v) as an unweighted Graph, COO order =
/// boost::edges(g) order. Directed (or bidirectional) edges u -> v stay u -> v; an undirected
/// edge {u, v} is stored as u -> v and v -> u (a self loop once).
///   boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS> bg(3);
///   boost::add_edge(0, 1, bg);
///   Graph g = from_boost(bg);   // 0 -> 1 and 1 -> 0
template <class OutEdges, class Directed, class VP, class EP, class GP, class EdgeList>
Graph from_boost(
    const boost::adjacency_list<OutEdges, boost::vecS, Directed, VP, EP, GP, EdgeList>& g,
    const GraphOptions& options = {}) {
  return detail::from_boost_edges(
      g, [](const auto&) { return 1.0; }, false, options);
}

/// The same with edge weights read from a BGL property map (e.g. get(boost::edge_weight, bg) or
/// get(&MyEdge::weight, bg)).
template <class OutEdges, class Directed, class VP, class EP, class GP, class EdgeList,
          class WeightMap>
Graph from_boost(
    const boost::adjacency_list<OutEdges, boost::vecS, Directed, VP, EP, GP, EdgeList>& g,
    const WeightMap& weights, const GraphOptions& options = {}) {
  return detail::from_boost_edges(
      g, [&](const auto& e) { return boost::get(weights, e); }, true, options);
}

}  // namespace graphpool
