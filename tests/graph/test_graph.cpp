#include "graph/graph.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

using testing::message_of;
using testing::random_edges;
using testing::RandomGraphOptions;

/// Incoming (source, weight) lists per target, built the naive way from COO.
std::vector<std::vector<std::pair<Index, double>>> naive_in_lists(Index n,
                                                                  const std::vector<Index>& src,
                                                                  const std::vector<Index>& dst,
                                                                  const std::vector<double>& w,
                                                                  bool drop_loops, bool merge) {
  std::vector<std::vector<std::pair<Index, double>>> in(static_cast<std::size_t>(n));
  for (std::size_t e = 0; e < src.size(); ++e) {
    if (drop_loops && src[e] == dst[e]) continue;
    const double we = w.empty() ? 1.0 : w[e];
    auto& list = in[static_cast<std::size_t>(dst[e])];
    bool merged = false;
    if (merge) {
      for (auto& [s, acc] : list) {
        if (s == src[e]) {
          if (!w.empty()) acc += we;  // unweighted merge just drops the repeat
          merged = true;
          break;
        }
      }
    }
    if (!merged) list.emplace_back(src[e], we);
  }
  return in;
}

void expect_matches(const Graph& g, const std::vector<std::vector<std::pair<Index, double>>>& in,
                    bool weighted) {
  ASSERT_EQ(g.num_nodes(), static_cast<Index>(in.size()));
  // A weighted graph that ends up with no edges has no weights to store: it reads as unweighted.
  EXPECT_EQ(g.weighted(), weighted && g.num_edges() > 0);
  Index total = 0;
  for (Index t = 0; t < g.num_nodes(); ++t) {
    const auto& list = in[static_cast<std::size_t>(t)];
    ASSERT_EQ(g.in_degree(t), static_cast<Index>(list.size())) << "target " << t;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const Index e = g.edge_ptr()[t] + static_cast<Index>(k);
      EXPECT_EQ(g.sources()[e], list[k].first) << "target " << t << " slot " << k;
      EXPECT_EQ(g.weight(e), list[k].second) << "target " << t << " slot " << k;
    }
    total += static_cast<Index>(list.size());
  }
  EXPECT_EQ(g.num_edges(), total);
}

TEST(Graph, EmptyGraph) {
  Graph g;
  EXPECT_EQ(g.num_nodes(), 0);
  EXPECT_EQ(g.num_edges(), 0);
  EXPECT_TRUE(g.targets().empty());
  EXPECT_EQ(Graph::from_edges(0, {}, {}), g);
}

TEST(Graph, SingleNodeAndNoEdges) {
  Graph one = Graph::from_edges(1, {}, {});
  EXPECT_EQ(one.num_nodes(), 1);
  EXPECT_EQ(one.num_edges(), 0);
  EXPECT_EQ(one.in_degree(0), 0);
  Graph five = Graph::from_edges(5, {}, {});
  EXPECT_EQ(five.edge_ptr().size(), 6u);
  for (Index p : five.edge_ptr()) EXPECT_EQ(p, 0);
  std::vector<Index> loop{0};
  Graph l = Graph::from_edges(1, loop, loop);
  EXPECT_EQ(l.num_edges(), 1);
  EXPECT_EQ(
      Graph::from_edges(1, loop, loop, {}, GraphOptions().self_loops(SelfLoops::kDrop)).num_edges(),
      0);
}

TEST(Graph, StoresIncomingEdgesByTargetInCooOrder) {
  std::vector<Index> src{0, 1, 1, 2, 0, 3}, dst{1, 0, 2, 1, 2, 1};
  std::vector<double> w{1, 2, 3, 4, 5, 6};
  Graph g = Graph::from_edges(4, src, dst, w);
  EXPECT_EQ(std::vector<Index>(g.edge_ptr().begin(), g.edge_ptr().end()),
            (std::vector<Index>{0, 1, 4, 6, 6}));
  EXPECT_EQ(std::vector<Index>(g.sources().begin(), g.sources().end()),
            (std::vector<Index>{1, 0, 2, 3, 1, 0}));
  EXPECT_EQ(std::vector<double>(g.weights().begin(), g.weights().end()),
            (std::vector<double>{2, 1, 4, 6, 3, 5}));
  EXPECT_EQ(g.targets(), (std::vector<Index>{0, 1, 1, 1, 2, 2}));
  EXPECT_EQ(g.in_degree(1), 3);
  EXPECT_EQ(g.in_degree(3), 0);
}

TEST(Graph, UnweightedHasUnitWeights) {
  std::vector<Index> src{0, 1}, dst{1, 0};
  Graph g = Graph::from_edges(2, src, dst);
  EXPECT_FALSE(g.weighted());
  EXPECT_TRUE(g.weights().empty());
  EXPECT_EQ(g.weight(0), 1.0);
  EXPECT_EQ(g.weight(1), 1.0);
}

TEST(Graph, OutOfRangeIdNamesEdgeAndValue) {
  std::vector<Index> src(20, 0), dst(20, 1);
  dst[17] = 43;
  EXPECT_EQ(message_of<IndexError>([&] { Graph::from_edges(40, src, dst); }),
            "Graph::from_edges: edge 17 has target 43 but the graph has 40 nodes");
  dst[17] = 1;
  src[3] = -1;
  EXPECT_EQ(message_of<IndexError>([&] { Graph::from_edges(40, src, dst); }),
            "Graph::from_edges: edge 3 has source -1 but the graph has 40 nodes");
  src[3] = 40;
  EXPECT_THROW(Graph::from_edges(40, src, dst), IndexError);
  // The first bad edge is reported.
  src[3] = 0;
  src[5] = 99;
  dst[2] = 77;
  EXPECT_EQ(message_of<IndexError>([&] { Graph::from_edges(40, src, dst); }),
            "Graph::from_edges: edge 2 has target 77 but the graph has 40 nodes");
}

TEST(Graph, SizeMismatchesAndNaNWeights) {
  std::vector<Index> src{0, 1, 2}, dst{1, 2};
  EXPECT_EQ(message_of<ShapeError>([&] { Graph::from_edges(3, src, dst); }),
            "Graph::from_edges: sources has 3 entries but targets has 2");
  dst.push_back(0);
  std::vector<double> w{1, 2};
  EXPECT_THROW(Graph::from_edges(3, src, dst, w), ShapeError);
  w = {1, std::nan(""), 3};
  EXPECT_EQ(message_of<ValueError>([&] { Graph::from_edges(3, src, dst, w); }),
            "Graph::from_edges: edge 1 (1 -> 2) has weight NaN");
  EXPECT_THROW(Graph::from_edges(-1, {}, {}), ValueError);
}

TEST(Graph, DropSelfLoops) {
  std::vector<Index> src{0, 1, 1, 2, 2}, dst{0, 1, 2, 2, 0};
  std::vector<double> w{1, 2, 3, 4, 5};
  Graph g = Graph::from_edges(3, src, dst, w, GraphOptions().self_loops(SelfLoops::kDrop));
  EXPECT_EQ(g.num_edges(), 2);
  EXPECT_EQ(g.targets(), (std::vector<Index>{0, 2}));
  EXPECT_EQ(g.sources()[0], 2);
  EXPECT_EQ(g.weight(0), 5);
  EXPECT_EQ(g.sources()[1], 1);
  EXPECT_EQ(g.weight(1), 3);
}

TEST(Graph, MergeKeepsFirstOccurrenceAndSumsWeights) {
  // target 1 receives from 2, 0, 2, 3, 0: merged order is 2 (1 + 3 + ...), 0, 3
  std::vector<Index> src{2, 0, 2, 3, 0, 2}, dst{1, 1, 1, 1, 1, 1};
  std::vector<double> w{0.5, 1, 2, 4, 8, 16};
  Graph g = Graph::from_edges(4, src, dst, w, GraphOptions().duplicates(Duplicates::kMerge));
  EXPECT_EQ(std::vector<Index>(g.sources().begin(), g.sources().end()),
            (std::vector<Index>{2, 0, 3}));
  EXPECT_EQ(std::vector<double>(g.weights().begin(), g.weights().end()),
            (std::vector<double>{18.5, 9, 4}));
  // Unweighted: duplicates are dropped and the graph stays unweighted.
  Graph u = Graph::from_edges(4, src, dst, {}, GraphOptions().duplicates(Duplicates::kMerge));
  EXPECT_FALSE(u.weighted());
  EXPECT_EQ(std::vector<Index>(u.sources().begin(), u.sources().end()),
            (std::vector<Index>{2, 0, 3}));
}

TEST(Graph, OptionsAgainstNaiveLoopOnRandomMultigraphs) {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    // Even seeds: sparse (short segments); odd seeds: few nodes with ~50 in-edges each (the long
    // segment path of the merge), both with many repeats.
    const Index n = seed % 2 == 0 ? 1 + static_cast<Index>(seed * 7 % 50) : 2 + Index(seed % 5);
    const Index m = seed % 2 == 0 ? 4 * n : 50 * n;
    const bool weighted = seed % 4 < 2;
    const auto e = random_edges(n, m, seed, RandomGraphOptions().weighted(weighted));
    for (bool drop : {false, true}) {
      for (bool merge : {false, true}) {
        GraphOptions opt;
        opt.self_loops(drop ? SelfLoops::kDrop : SelfLoops::kKeep)
            .duplicates(merge ? Duplicates::kMerge : Duplicates::kKeep);
        Graph g = Graph::from_edges(n, e.sources, e.targets, e.weights, opt);
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " drop " << drop << " merge " << merge);
        expect_matches(g, naive_in_lists(n, e.sources, e.targets, e.weights, drop, merge),
                       weighted);
      }
    }
  }
}

TEST(Graph, MergeIsThreadCountIndependent) {
  const auto e = random_edges(5000, 40000, 3, RandomGraphOptions().weighted(true));
  const auto opt = GraphOptions().duplicates(Duplicates::kMerge).self_loops(SelfLoops::kDrop);
  Graph one, two;
  {
    ThreadLimit limit(1);
    one = Graph::from_edges(5000, e.sources, e.targets, e.weights, opt);
  }
  {
    ThreadLimit limit(2);
    two = Graph::from_edges(5000, e.sources, e.targets, e.weights, opt);
  }
  EXPECT_EQ(one, two);
}

TEST(Graph, FromCsrRoundTripAndValidation) {
  std::vector<Index> src{0, 1, 1, 2, 0, 3}, dst{1, 0, 2, 1, 2, 1};
  std::vector<double> w{1, 2, 3, 4, 5, 6};
  Graph g = Graph::from_edges(4, src, dst, w);
  Graph h = Graph::from_csr({g.edge_ptr().begin(), g.edge_ptr().end()},
                            {g.sources().begin(), g.sources().end()},
                            {g.weights().begin(), g.weights().end()});
  EXPECT_EQ(g, h);
  EXPECT_THROW(Graph::from_csr({}, {}), ShapeError);
  EXPECT_EQ(message_of<ValueError>([] {
              Graph::from_csr({1, 1}, {0});
            }),
            "Graph::from_csr: edge_ptr[0] must be 0, got 1");
  EXPECT_EQ(
      message_of<ValueError>([] {
        Graph::from_csr({0, 2, 1, 3}, {0, 1, 2});
      }),
      "Graph::from_csr: edge_ptr must be non-decreasing, but edge_ptr[1] = 2 > edge_ptr[2] = 1");
  EXPECT_EQ(message_of<ShapeError>([] {
              Graph::from_csr({0, 1, 2}, {0, 1, 1});
            }),
            "Graph::from_csr: edge_ptr ends at 2 but sources has 3 entries");
  EXPECT_EQ(message_of<IndexError>([] {
              Graph::from_csr({0, 1, 2}, {0, 2});
            }),
            "Graph::from_csr: edge 1 has source 2 but the graph has 2 nodes");
  EXPECT_THROW(Graph::from_csr({0, 1, 2}, {0, 1}, {1.0}), ShapeError);
  EXPECT_THROW(Graph::from_csr({0, 1, 2}, {0, 1}, {1.0, std::nan("")}), ValueError);
  EXPECT_EQ(Graph::from_csr({0}, {}), Graph());
}

TEST(Graph, EqualityDistinguishesWeights) {
  std::vector<Index> src{0}, dst{1};
  std::vector<double> ones{1.0};
  EXPECT_NE(Graph::from_edges(2, src, dst), Graph::from_edges(2, src, dst, ones));
  EXPECT_NE(Graph::from_edges(2, src, dst), Graph::from_edges(3, src, dst));
}

TEST(RandomGraph, DistinctUndirectedWithoutLoops) {
  const auto opt = RandomGraphOptions().undirected(true).distinct(true).self_loops(false);
  for (Index m : {0, 10, 40, 45}) {  // 45 = every pair of 10 nodes (dense path)
    Graph g = testing::random_graph(10, m, 5, opt);
    ASSERT_EQ(g.num_edges(), 2 * m);
    std::map<std::pair<Index, Index>, int> count;
    const auto t = g.targets();
    for (Index e = 0; e < g.num_edges(); ++e) {
      EXPECT_NE(g.sources()[e], t[e]);
      ++count[{g.sources()[e], t[e]}];
    }
    for (const auto& [edge, c] : count) {
      EXPECT_EQ(c, 1);
      EXPECT_EQ(count.count({edge.second, edge.first}), 1u);
    }
  }
  EXPECT_THROW(testing::random_graph(10, 46, 5, opt), ValueError);
  EXPECT_EQ(testing::random_graph(30, 50, 9, opt), testing::random_graph(30, 50, 9, opt));
  EXPECT_NE(testing::random_graph(30, 50, 9, opt), testing::random_graph(30, 50, 10, opt));
}

}  // namespace
}  // namespace graphpool
