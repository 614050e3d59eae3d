#include "graph/grid.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "core/errors.hpp"
#include "tests/support/compare.hpp"

namespace graphpool {
namespace {

using testing::to_vector;
/// Naive reference: every ordered pair of distinct cells within Chebyshev (k8) or Manhattan (k4)
/// distance 1, listed target-major and source ascending.
Graph naive_grid(Index H, Index W, bool k8) {
  std::vector<Index> src, dst;
  for (Index t = 0; t < H * W; ++t) {
    for (Index s = 0; s < H * W; ++s) {
      const Index dr = std::abs(s / W - t / W), dc = std::abs(s % W - t % W);
      const bool adjacent = k8 ? (dr <= 1 && dc <= 1) : (dr + dc == 1);
      if (s != t && adjacent) {
        src.push_back(s);
        dst.push_back(t);
      }
    }
  }
  return Graph::from_edges(H * W, src, dst);
}

TEST(Grid, TwoByThreeFourNeighbourhoodByHand) {
  // 0 1 2
  // 3 4 5
  Graph g = grid_graph(2, 3, Neighbourhood::k4);
  EXPECT_EQ(g.num_nodes(), 6);
  EXPECT_EQ(g.num_edges(), 2 * 7);
  EXPECT_EQ(to_vector(g.edge_ptr()), (std::vector<Index>{0, 2, 5, 7, 9, 12, 14}));
  EXPECT_EQ(to_vector(g.sources()), (std::vector<Index>{1, 3, 0, 2, 4, 1, 5, 0, 4, 1, 3, 5, 2, 4}));
  EXPECT_FALSE(g.weighted());
}

TEST(Grid, EightNeighbourhoodCorner) {
  Graph g = grid_graph(3, 3, Neighbourhood::k8);
  EXPECT_EQ(g.num_edges(), 2 * 20);
  EXPECT_EQ(g.in_degree(4), 8);
  EXPECT_EQ(g.in_degree(0), 3);
  EXPECT_EQ(g.in_degree(1), 5);
  const auto s = g.sources();
  EXPECT_EQ(std::vector<Index>(s.begin() + g.edge_ptr()[0], s.begin() + g.edge_ptr()[1]),
            (std::vector<Index>{1, 3, 4}));
}

TEST(Grid, AgainstNaivePairsForManyShapes) {
  for (Index H : {1, 2, 3, 5}) {
    for (Index W : {1, 2, 4, 7}) {
      EXPECT_EQ(grid_graph(H, W, Neighbourhood::k4), naive_grid(H, W, false)) << H << "x" << W;
      EXPECT_EQ(grid_graph(H, W, Neighbourhood::k8), naive_grid(H, W, true)) << H << "x" << W;
    }
  }
}

TEST(Grid, EdgeCountsAndSymmetryOnLargeGrid) {
  const Index H = 300, W = 200;
  Graph g4 = grid_graph(H, W, Neighbourhood::k4);
  EXPECT_EQ(g4.num_edges(), 2 * (H * (W - 1) + (H - 1) * W));
  Graph g8 = grid_graph(H, W, Neighbourhood::k8);
  EXPECT_EQ(g8.num_edges(), 2 * (H * (W - 1) + (H - 1) * W + 2 * (H - 1) * (W - 1)));
  Graph one, two;
  {
    ThreadLimit limit(1);
    one = grid_graph(H, W, Neighbourhood::k8);
  }
  {
    ThreadLimit limit(2);
    two = grid_graph(H, W, Neighbourhood::k8);
  }
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, g8);
}

TEST(Grid, EmptyAndSingleCell) {
  EXPECT_EQ(grid_graph(0, 5), Graph());
  EXPECT_EQ(grid_graph(4, 0, Neighbourhood::k8), Graph());
  Graph one = grid_graph(1, 1, Neighbourhood::k8);
  EXPECT_EQ(one.num_nodes(), 1);
  EXPECT_EQ(one.num_edges(), 0);
  EXPECT_THROW(grid_graph(-1, 3), ValueError);
}

}  // namespace
}  // namespace graphpool
