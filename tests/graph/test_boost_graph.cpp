#include "graph/boost_graph.hpp"

#include <gtest/gtest.h>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <limits>
#include <set>
#include <tuple>
#include <vector>

#include "graph/grid.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

constexpr std::size_t kUnreached = std::numeric_limits<std::size_t>::max();

/// BGL BFS hop distances from `start` (kUnreached where BFS does not get).
template <class BglGraph>
std::vector<std::size_t> bfs_distances(const BglGraph& bg, std::size_t start) {
  std::vector<std::size_t> dist(boost::num_vertices(bg), kUnreached);
  dist[start] = 0;
  boost::breadth_first_search(bg, start,
                              boost::visitor(boost::make_bfs_visitor(
                                  boost::record_distances(dist.data(), boost::on_tree_edge()))));
  return dist;
}

TEST(BoostGraph, BfsFollowsSourceToTarget) {
  // 0->1, 1->2, 0->3, 3->4, 4->2, 5->0: from 0, node 5 is unreachable (5 -> 0 only).
  std::vector<Index> src{0, 1, 0, 3, 4, 5}, dst{1, 2, 3, 4, 2, 0};
  Graph g = Graph::from_edges(6, src, dst);
  BoostCsrGraph bg = to_boost_csr(g);
  EXPECT_EQ(boost::num_vertices(bg), 6u);
  EXPECT_EQ(boost::num_edges(bg), 6u);
  EXPECT_EQ(bfs_distances(bg, 0), (std::vector<std::size_t>{0, 1, 2, 1, 2, kUnreached}));
  EXPECT_EQ(bfs_distances(bg, 5), (std::vector<std::size_t>{1, 2, 3, 2, 3, 0}));
}

TEST(BoostGraph, BfsOnGridIsManhattanDistance) {
  const Index H = 4, W = 5;
  BoostCsrGraph bg = to_boost_csr(grid_graph(H, W, Neighbourhood::k4));
  const auto dist = bfs_distances(bg, 0);
  for (Index r = 0; r < H; ++r) {
    for (Index c = 0; c < W; ++c) EXPECT_EQ(dist[r * W + c], static_cast<std::size_t>(r + c));
  }
  // k8: Chebyshev distance from the centre-ish node (1, 2).
  const auto d8 = bfs_distances(to_boost_csr(grid_graph(H, W, Neighbourhood::k8)), 1 * W + 2);
  for (Index r = 0; r < H; ++r) {
    for (Index c = 0; c < W; ++c) {
      const Index cheb = std::max(std::abs(r - 1), std::abs(c - 2));
      EXPECT_EQ(d8[r * W + c], static_cast<std::size_t>(cheb));
    }
  }
}

TEST(BoostGraph, CsrEdgesCarryWeightAndId) {
  const auto g = testing::random_graph(30, 120, 2, testing::RandomGraphOptions().weighted(true));
  BoostCsrGraph bg = to_boost_csr(g);
  ASSERT_EQ(boost::num_edges(bg), static_cast<std::size_t>(g.num_edges()));
  const auto targets = g.targets();
  std::set<Index> ids;
  for (auto [it, end] = boost::edges(bg); it != end; ++it) {
    const BoostEdge& p = bg[*it];
    ids.insert(p.id);
    EXPECT_EQ(static_cast<Index>(boost::source(*it, bg)), g.sources()[p.id]);
    EXPECT_EQ(static_cast<Index>(boost::target(*it, bg)), targets[p.id]);
    EXPECT_EQ(p.weight, g.weight(p.id));
  }
  EXPECT_EQ(static_cast<Index>(ids.size()), g.num_edges());
}

TEST(BoostGraph, DijkstraUsesWeights) {
  // 0->1 (4), 0->2 (1), 2->1 (2), 1->3 (1), 2->3 (7): shortest 0..3 is 0->2->1->3 = 4.
  std::vector<Index> src{0, 0, 2, 1, 2}, dst{1, 2, 1, 3, 3};
  std::vector<double> w{4, 1, 2, 1, 7};
  BoostCsrGraph bg = to_boost_csr(Graph::from_edges(4, src, dst, w));
  std::vector<double> dist(4);
  boost::dijkstra_shortest_paths(bg, 0,
                                 boost::weight_map(boost::get(&BoostEdge::weight, bg))
                                     .distance_map(boost::make_iterator_property_map(
                                         dist.begin(), boost::get(boost::vertex_index, bg))));
  EXPECT_EQ(dist, (std::vector<double>{0, 3, 1, 4}));
}

TEST(BoostGraph, ConnectedComponentsAreWeakComponents) {
  // {0, 1, 2} by 0->1 and 2->1 (one direction only), {3, 4} by 4->3 twice, {5} alone with a loop.
  std::vector<Index> src{0, 2, 4, 4, 5}, dst{1, 1, 3, 3, 5};
  Graph g = Graph::from_edges(6, src, dst);
  BoostUndirectedGraph ug = to_boost_undirected(g);
  EXPECT_EQ(boost::num_edges(ug), 4u);  // 4->3 twice is one pair
  std::vector<int> component(6);
  const int count = boost::connected_components(ug, component.data());
  EXPECT_EQ(count, 3);
  EXPECT_EQ(component, (std::vector<int>{0, 0, 0, 1, 1, 2}));
}

TEST(BoostGraph, UndirectedMergesBothDirections) {
  Graph grid = grid_graph(2, 3, Neighbourhood::k4);  // 7 neighbour pairs, 14 edges
  BoostUndirectedGraph ug = to_boost_undirected(grid);
  EXPECT_EQ(boost::num_edges(ug), 7u);
  std::vector<int> component(6);
  EXPECT_EQ(boost::connected_components(ug, component.data()), 1);
  // The first edge of each pair in CSR order gives the id: edge {0, 1} is CSR edge 0 (1 -> 0).
  auto [e, found] = boost::edge(0, 1, ug);
  ASSERT_TRUE(found);
  EXPECT_EQ(ug[e].id, 0);
  // Back to a Graph: both directions again, same edges as the grid (COO order differs).
  Graph back = from_boost(ug);
  EXPECT_EQ(back, grid);
}

TEST(BoostGraph, FromDirectedAdjacencyList) {
  using Bgl = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                    boost::property<boost::edge_weight_t, double>>;
  Bgl bg(4);
  boost::add_edge(2, 0, 0.5, bg);
  boost::add_edge(0, 1, 1.5, bg);
  boost::add_edge(2, 1, 2.5, bg);
  boost::add_edge(3, 3, 3.5, bg);
  // boost::edges order: by source vertex, then insertion: 0->1, 2->0, 2->1, 3->3.
  std::vector<Index> src{0, 2, 2, 3}, dst{1, 0, 1, 3};
  std::vector<double> w{1.5, 0.5, 2.5, 3.5};
  EXPECT_EQ(from_boost(bg), Graph::from_edges(4, src, dst));
  EXPECT_EQ(from_boost(bg, boost::get(boost::edge_weight, bg)), Graph::from_edges(4, src, dst, w));
  Graph no_loops = from_boost(bg, GraphOptions().self_loops(SelfLoops::kDrop));
  EXPECT_EQ(no_loops.num_edges(), 3);
}

TEST(BoostGraph, FromUndirectedAdjacencyListStoresBothDirections) {
  boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS> bg(3);
  boost::add_edge(0, 1, bg);
  boost::add_edge(2, 2, bg);
  Graph g = from_boost(bg);
  std::vector<Index> src{0, 1, 2}, dst{1, 0, 2};
  EXPECT_EQ(g, Graph::from_edges(3, src, dst));
}

TEST(BoostGraph, EmptyAndEdgeless) {
  BoostCsrGraph empty = to_boost_csr(Graph());
  EXPECT_EQ(boost::num_vertices(empty), 0u);
  BoostUndirectedGraph ug = to_boost_undirected(Graph::from_edges(3, {}, {}));
  std::vector<int> component(3);
  EXPECT_EQ(boost::connected_components(ug, component.data()), 3);
  EXPECT_EQ(from_boost(ug), Graph::from_edges(3, {}, {}));
  EXPECT_EQ(bfs_distances(to_boost_csr(Graph::from_edges(1, {}, {})), 0),
            (std::vector<std::size_t>{0}));
}

}  // namespace
}  // namespace graphpool
