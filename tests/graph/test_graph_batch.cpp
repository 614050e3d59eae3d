#include "graph/graph_batch.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

using testing::message_of;
using testing::RandomBatchOptions;
using testing::RandomGraphOptions;
using testing::to_vector;

TEST(GraphBatch, CollateSmallByHand) {
  std::vector<Index> s0{0, 1}, d0{1, 0};
  std::vector<Index> s1{2, 0, 1}, d1{0, 1, 1};
  std::vector<Graph> graphs{Graph::from_edges(2, s0, d0), Graph(), Graph::from_edges(3, s1, d1)};
  GraphBatch b = GraphBatch::collate(graphs);
  EXPECT_EQ(b.num_graphs(), 3);
  EXPECT_EQ(b.num_nodes(), 5);
  EXPECT_EQ(b.num_edges(), 5);
  EXPECT_EQ(to_vector(b.node_ptr()), (std::vector<Index>{0, 2, 2, 5}));
  EXPECT_EQ(to_vector(b.node_graph()), (std::vector<Index>{0, 0, 2, 2, 2}));
  EXPECT_EQ(to_vector(b.edge_offsets()), (std::vector<Index>{0, 2, 2, 5}));
  EXPECT_EQ(b.graph_size(1), 0);
  // Graph 2's edges 2->0, 0->1, 1->1 become 4->2, 2->3, 3->3.
  EXPECT_EQ(to_vector(b.graph().edge_ptr()), (std::vector<Index>{0, 1, 2, 3, 5, 5}));
  EXPECT_EQ(to_vector(b.graph().sources()), (std::vector<Index>{1, 0, 4, 2, 3}));
  EXPECT_FALSE(b.graph().weighted());
  EXPECT_EQ(b.split(), graphs);
}

TEST(GraphBatch, EmptyBatchAndEmptyGraphs) {
  GraphBatch none;
  EXPECT_EQ(none.num_graphs(), 0);
  EXPECT_EQ(none.num_nodes(), 0);
  EXPECT_TRUE(none.split().empty());
  GraphBatch collated = GraphBatch::collate(std::span<const Graph>{});
  EXPECT_EQ(collated.num_graphs(), 0);
  EXPECT_EQ(to_vector(collated.edge_offsets()), (std::vector<Index>{0}));
  std::vector<Graph> empties(3);
  GraphBatch e = GraphBatch::collate(empties);
  EXPECT_EQ(e.num_graphs(), 3);
  EXPECT_EQ(to_vector(e.node_ptr()), (std::vector<Index>{0, 0, 0, 0}));
  EXPECT_EQ(e.split(), empties);
}

TEST(GraphBatch, SplitRoundTripsRandomBatches) {
  for (bool weighted : {false, true}) {
    const auto opt = RandomBatchOptions().sizes(0, 12).edges_per_node(2).graph(
        RandomGraphOptions().weighted(weighted));
    const auto graphs = testing::random_graphs(50, 17, opt);
    GraphBatch b = GraphBatch::collate(graphs);
    EXPECT_EQ(b.graph().weighted(), weighted);
    EXPECT_EQ(b.split(), graphs);
    // node_graph and edge_offsets against their definitions.
    Index e_total = 0;
    for (Index g = 0; g < b.num_graphs(); ++g) {
      EXPECT_EQ(b.edge_offsets()[g], e_total);
      e_total += graphs[static_cast<std::size_t>(g)].num_edges();
      for (Index v = b.node_ptr()[g]; v < b.node_ptr()[g + 1]; ++v) EXPECT_EQ(b.node_graph()[v], g);
    }
    EXPECT_EQ(b.edge_offsets().back(), e_total);
    // Rebuilding from the union graph and node_ptr gives the same batch.
    GraphBatch again(b.graph(), to_vector(b.node_ptr()));
    EXPECT_EQ(to_vector(again.edge_offsets()), to_vector(b.edge_offsets()));
    EXPECT_EQ(again.split(), graphs);
  }
}

TEST(GraphBatch, MixedWeightednessCollatesAsWeighted) {
  std::vector<Index> s{0}, d{1};
  std::vector<double> w{2.5};
  std::vector<Graph> graphs{Graph::from_edges(2, s, d), Graph::from_edges(2, s, d, w)};
  GraphBatch b = GraphBatch::collate(graphs);
  ASSERT_TRUE(b.graph().weighted());
  EXPECT_EQ(b.graph().weight(0), 1.0);
  const auto back = b.split();
  EXPECT_EQ(back[0].weight(0), 1.0);
  EXPECT_TRUE(back[0].weighted());
  EXPECT_EQ(back[1], graphs[1]);
}

TEST(GraphBatch, RejectsEdgeJoiningTwoGraphs) {
  // 4 nodes, graphs {0, 1} and {2, 3}; edge 1 -> 2 joins them.
  std::vector<Index> s{0, 1, 3}, d{1, 2, 2};
  Graph g = Graph::from_edges(4, s, d);
  EXPECT_EQ(message_of<ValueError>([&] {
              GraphBatch(g, {0, 2, 4});
            }),
            "GraphBatch: edge 1 (1 -> 2) joins graph 0 and graph 1; every edge must stay inside "
            "one graph");
  EXPECT_NO_THROW(GraphBatch(g, {0, 4}));
  EXPECT_NO_THROW(GraphBatch(g, {0, 0, 4, 4}));
}

TEST(GraphBatch, RejectsBadNodePtr) {
  Graph g = Graph::from_edges(4, {}, {});
  EXPECT_THROW(GraphBatch(g, {}), ShapeError);
  EXPECT_EQ(message_of<ValueError>([&] {
              GraphBatch(g, {1, 4});
            }),
            "GraphBatch: node_ptr[0] must be 0, got 1");
  EXPECT_EQ(message_of<ValueError>([&] {
              GraphBatch(g, {0, 3, 2, 4});
            }),
            "GraphBatch: node_ptr must be non-decreasing, but node_ptr[1] = 3 > node_ptr[2] = 2");
  EXPECT_EQ(message_of<ShapeError>([&] {
              GraphBatch(g, {0, 2, 3});
            }),
            "GraphBatch: node_ptr ends at 3 but the graph has 4 nodes");
}

TEST(GraphBatch, CollateIsThreadCountIndependent) {
  const auto graphs = testing::random_graphs(3000, 5, testing::proteins_like());
  GraphBatch one, two;
  {
    ThreadLimit limit(1);
    one = GraphBatch::collate(graphs);
  }
  {
    ThreadLimit limit(2);
    two = GraphBatch::collate(graphs);
  }
  EXPECT_EQ(one.graph(), two.graph());
  EXPECT_EQ(to_vector(one.node_ptr()), to_vector(two.node_ptr()));
}

TEST(RandomGraph, ProteinsLikeBatchHasPeerSizes) {
  GraphBatch b = testing::random_batch(200, 1, testing::proteins_like());
  EXPECT_EQ(b.num_graphs(), 200);
  for (Index g = 0; g < b.num_graphs(); ++g) {
    const Index n = b.graph_size(g);
    EXPECT_GE(n, 20);
    EXPECT_LE(n, 60);
    const Index pairs = static_cast<Index>(std::llround(n * 150.0 / 80.0));
    EXPECT_EQ(b.edge_offsets()[g + 1] - b.edge_offsets()[g], 2 * pairs);
  }
}

}  // namespace
}  // namespace graphpool
