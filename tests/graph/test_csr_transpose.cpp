#include "graph/csr_transpose.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/errors.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/random_graph.hpp"

namespace graphpool {
namespace {

using testing::message_of;
using testing::to_vector;

/// The serial counting sort the parallel version must reproduce: visit targets in order, append
/// each edge to its source's list.
CsrTranspose naive_transpose(std::span<const Index> edge_ptr, std::span<const Index> sources) {
  const Index n = static_cast<Index>(edge_ptr.size()) - 1;
  std::vector<std::vector<std::pair<Index, Index>>> out(static_cast<std::size_t>(n));
  for (Index t = 0; t < n; ++t) {
    for (Index e = edge_ptr[t]; e < edge_ptr[t + 1]; ++e) out[sources[e]].emplace_back(t, e);
  }
  CsrTranspose expected;
  for (Index s = 0; s < n; ++s) {
    for (const auto& [t, e] : out[s]) {
      expected.targets.push_back(t);
      expected.edge_ids.push_back(e);
    }
    expected.ptr.push_back(static_cast<Index>(expected.targets.size()));
  }
  return expected;
}

void expect_equal(const CsrTranspose& expected, const CsrTranspose& got) {
  EXPECT_EQ(expected.ptr, got.ptr);
  EXPECT_EQ(expected.targets, got.targets);
  EXPECT_EQ(expected.edge_ids, got.edge_ids);
}

TEST(CsrTranspose, SmallGraphByHand) {
  // edges 0->1, 2->1, 0->2, 1->0 (CSR by target: t0 {1}, t1 {0, 2}, t2 {0})
  const std::vector<Index> edge_ptr{0, 1, 3, 4}, sources{1, 0, 2, 0};
  const CsrTranspose out = transpose_csr(edge_ptr, sources);
  EXPECT_EQ(out.ptr, (std::vector<Index>{0, 2, 3, 4}));
  EXPECT_EQ(out.targets, (std::vector<Index>{1, 2, 0, 1}));  // source 0 -> 1, 2; 1 -> 0; 2 -> 1
  EXPECT_EQ(out.edge_ids, (std::vector<Index>{1, 3, 0, 2}));
}

TEST(CsrTranspose, BatchOfManyPartsEqualsSerialSortForAnyThreadCount) {
  // ~5,000 nodes in 128 graphs: about 10 parts of targets, each reaching only its own graphs
  const GraphBatch batch = testing::random_batch(128, 3, testing::proteins_like());
  const Graph& g = batch.graph();
  ASSERT_GT(g.num_nodes(), 2048);
  const CsrTranspose expected = naive_transpose(g.edge_ptr(), g.sources());
  for (int threads : {1, 2}) {
    ThreadLimit limit(threads);
    expect_equal(expected, transpose_csr(g.edge_ptr(), g.sources()));
  }
}

TEST(CsrTranspose, ScatteredSourcesAndMultiEdgesEqualSerialSort) {
  // sources spread over the whole graph, repeated pairs, self loops, nodes without edges: 6
  // parts whose source ranges overlap (all of the graph each), and a sparse graph whose ranges add
  // up to more than 2 (N + E), where one part (the serial sort) is used instead
  const Graph g = testing::random_graph(3000, 9000, 11);
  expect_equal(naive_transpose(g.edge_ptr(), g.sources()),
               transpose_csr(g.edge_ptr(), g.sources()));
  const Graph sparse = testing::random_graph(2000, 300, 12);
  expect_equal(naive_transpose(sparse.edge_ptr(), sparse.sources()),
               transpose_csr(sparse.edge_ptr(), sparse.sources()));
}

TEST(CsrTranspose, EmptyGraphs) {
  const std::vector<Index> none{0};
  const CsrTranspose empty = transpose_csr(none, {});
  EXPECT_EQ(empty.ptr, none);
  EXPECT_TRUE(empty.targets.empty());
  const std::vector<Index> no_edges(1001, 0);
  const CsrTranspose isolated = transpose_csr(no_edges, {});
  EXPECT_EQ(isolated.ptr, no_edges);
}

TEST(CsrTranspose, BadInputNamesTheEntry) {
  const std::vector<Index> edge_ptr{0, 1, 2};
  const std::vector<Index> bad_source{0, 5};
  EXPECT_THROW(transpose_csr(edge_ptr, bad_source), IndexError);
  EXPECT_NE(
      message_of<IndexError>([&] { transpose_csr(edge_ptr, bad_source); }).find("sources[1] = 5"),
      std::string::npos);
  const std::vector<Index> decreasing{0, 2, 1, 2}, sources{0, 1};
  EXPECT_THROW(transpose_csr(decreasing, sources), ValueError);
  EXPECT_NE(
      message_of<ValueError>([&] { transpose_csr(decreasing, sources); }).find("edge_ptr[2] = 1"),
      std::string::npos);
  const std::vector<Index> short_ptr{0, 1};
  EXPECT_THROW(transpose_csr(short_ptr, sources), ShapeError);
  EXPECT_THROW(transpose_csr({}, {}), ShapeError);
}

}  // namespace
}  // namespace graphpool
