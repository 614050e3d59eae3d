#include "io/dataset.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "core/errors.hpp"
#include "io/tu_reader.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;

GraphCollection tiny(const ScratchDir& dir, const TuOptions& options = {}) {
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  return read_tu(dir.str("TINY"), "TINY", options);
}

/// Independent expectation: the batch of graphs `ids` built from the collection with collate.
void expect_matches(const GraphCollection& c, const DatasetBatch& b,
                    const std::vector<Index>& ids) {
  ASSERT_EQ(b.num_graphs(), Index(ids.size()));
  std::vector<Graph> graphs;
  Index row = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Index g = ids[i];
    const Index n0 = c.node_ptr[g], n = c.node_ptr[g + 1] - n0;
    std::vector<Index> s(c.sources.begin() + c.edge_ptr[g], c.sources.begin() + c.edge_ptr[g + 1]);
    std::vector<Index> t(c.targets.begin() + c.edge_ptr[g], c.targets.begin() + c.edge_ptr[g + 1]);
    graphs.push_back(Graph::from_edges(n, s, t));
    EXPECT_EQ(b.y[i], c.y[g]);
    EXPECT_EQ(b.graph_ids[i], g);
    for (Index k = 0; k < n; ++k, ++row) {
      for (Index f = 0; f < c.x.dim(1); ++f) ASSERT_EQ(b.x(row, f), c.x(n0 + k, f));
      if (c.node_labels) {
        ASSERT_EQ((*b.node_labels)[row], (*c.node_labels)[n0 + k]);
      }
    }
  }
  const GraphBatch want = GraphBatch::collate(graphs);
  EXPECT_TRUE(std::ranges::equal(b.batch.node_ptr(), want.node_ptr()));
  EXPECT_TRUE(std::ranges::equal(b.batch.graph().edge_ptr(), want.graph().edge_ptr()));
  EXPECT_TRUE(std::ranges::equal(b.batch.graph().sources(), want.graph().sources()));
}

TEST(Dataset, RoundTripTinyAllSubsetAndBatches) {
  ScratchDir dir;
  const GraphCollection c = tiny(dir);
  write_dataset(dir.str("tiny.h5"), c);
  EXPECT_EQ(dir.count(".tmp"), 0);
  const DatasetFile f(dir.str("tiny.h5"));
  EXPECT_EQ(f.name(), "TINY");
  EXPECT_EQ(f.num_graphs(), 3);
  EXPECT_EQ(f.num_nodes(), 9);
  EXPECT_EQ(f.num_edges(), 12);
  EXPECT_EQ(f.num_classes(), 2);
  EXPECT_TRUE(std::ranges::equal(f.label_values(), std::vector<Index>{-1, 1}));
  expect_matches(c, f.load(), {0, 1, 2});
  expect_matches(c, f.load(std::vector<Index>{2, 0}), {2, 0});
  expect_matches(c, f.load(std::vector<Index>{1, 1}), {1, 1});
  expect_matches(c, f.load_range(1, 3), {1, 2});
  BatchReader reader(f, 2, {2, 0, 1});
  EXPECT_EQ(reader.num_batches(), 2);
  DatasetBatch b;
  ASSERT_TRUE(reader.next(b));
  expect_matches(c, b, {2, 0});
  ASSERT_TRUE(reader.next(b));
  expect_matches(c, b, {1});
  EXPECT_FALSE(reader.next(b));
  EXPECT_THROW(f.load(std::vector<Index>{3}), IndexError);
}

TEST(Dataset, EdgeAttrRowsMatchTheirEdges) {
  ScratchDir dir;
  const GraphCollection c = tiny(dir, TuOptions().edge_features(EdgeFeatures::kLabels));
  write_dataset(dir.str("tiny.h5"), c);
  const DatasetFile f(dir.str("tiny.h5"));
  ASSERT_TRUE(f.has_edge_attr());
  for (const std::vector<Index>& ids : {std::vector<Index>{0, 1, 2}, std::vector<Index>{2, 1}}) {
    const DatasetBatch b = f.load(ids);
    ASSERT_TRUE(b.edge_attr);
    // For every CSR edge (source -> target) find the collection's edge and compare its row.
    const auto targets = b.batch.graph().targets();
    for (Index k = 0; k < b.batch.num_edges(); ++k) {
      const Index s = b.batch.graph().sources()[k], t = targets[k];
      const Index i = b.batch.node_graph()[t], g = ids[i];
      const Index ls = s - b.batch.node_ptr()[i], lt = t - b.batch.node_ptr()[i];
      Index found = -1;
      for (Index e = c.edge_ptr[g]; e < c.edge_ptr[g + 1]; ++e)
        if (c.sources[e] == ls && c.targets[e] == lt) found = e;
      ASSERT_GE(found, 0);
      for (Index d = 0; d < 3; ++d) EXPECT_EQ((*b.edge_attr)(k, d), (*c.edge_attr)(found, d));
    }
  }
}

TEST(Dataset, FailedWriteLeavesPreviousFile) {
  ScratchDir dir;
  GraphCollection c = tiny(dir);
  write_dataset(dir.str("tiny.h5"), c);
  const auto size = std::filesystem::file_size(dir.str("tiny.h5"));
  c.y[1] = 5;  // outside [0, 2)
  EXPECT_THROW(write_dataset(dir.str("tiny.h5"), c), IndexError);
  EXPECT_EQ(std::filesystem::file_size(dir.str("tiny.h5")), size);
  EXPECT_EQ(DatasetFile(dir.str("tiny.h5")).labels()[1], 0);
  EXPECT_THROW(write_dataset(dir.str("no/such/dir/x.h5"), tiny(dir)), IoError);
  EXPECT_EQ(dir.count(".tmp"), 0);
}

TEST(Dataset, SharedDatasetsRoundTrip) {
  bool any = false;
  for (const auto& want : testing::shared_tu_counts()) {
    const std::string tu = testing::shared_tu_dir(want.name);
    if (tu.empty()) continue;
    any = true;
    SCOPED_TRACE(want.name);
    ScratchDir dir;
    const GraphCollection c = read_tu(tu, want.name);
    write_dataset(dir.str("d.h5"), c);
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const DatasetFile f(dir.str("d.h5"));
    const DatasetBatch b = f.load();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::printf("[ load    ] %s from HDF5: %.1f ms wall\n", want.name, ms);
    EXPECT_EQ(b.num_graphs(), want.graphs);
    EXPECT_EQ(b.batch.num_nodes(), want.nodes);
    EXPECT_EQ(b.batch.num_edges(), want.a_lines);
    EXPECT_EQ(f.num_classes(), want.classes);
    std::map<long, long> counts;
    for (Index y : b.y) ++counts[f.label_values()[y]];
    EXPECT_EQ(counts, want.label_counts);
    std::vector<Index> all(static_cast<std::size_t>(c.num_graphs()));
    std::iota(all.begin(), all.end(), 0);
    if (c.num_graphs() < 2000) expect_matches(c, b, all);
    // Batches from disk in a shuffled order cover every graph once.
    std::vector<Index> order(all.rbegin(), all.rend());
    BatchReader reader(f, 128, order);
    Index graphs = 0, nodes = 0;
    for (DatasetBatch part; reader.next(part);) {
      graphs += part.num_graphs();
      nodes += part.batch.num_nodes();
    }
    EXPECT_EQ(graphs, want.graphs);
    EXPECT_EQ(nodes, want.nodes);
  }
  if (!any) GTEST_SKIP() << "../shared/data/TU not found (GRAPHPOOL_SHARED_DIR); skipped";
}

}  // namespace
}  // namespace graphpool

namespace graphpool {
namespace {

TEST(Dataset, ReadDatasetGivesBackTheCollection) {
  testing::ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  const GraphCollection c =
      read_tu(dir.str("TINY"), "TINY", TuOptions().edge_features(EdgeFeatures::kLabels));
  write_dataset(dir.str("tiny.h5"), c);
  const GraphCollection r = read_dataset(dir.str("tiny.h5"));
  EXPECT_EQ(r.name, c.name);
  EXPECT_EQ(r.num_classes, c.num_classes);
  EXPECT_EQ(r.label_values, c.label_values);
  EXPECT_EQ(r.node_ptr, c.node_ptr);
  EXPECT_EQ(r.edge_ptr, c.edge_ptr);
  EXPECT_EQ(r.sources, c.sources);
  EXPECT_EQ(r.targets, c.targets);
  EXPECT_EQ(r.y, c.y);
  EXPECT_EQ(*r.node_labels, *c.node_labels);
  EXPECT_TRUE(std::ranges::equal(r.x.values(), c.x.values()));
  EXPECT_TRUE(std::ranges::equal(r.edge_attr->values(), c.edge_attr->values()));
}

}  // namespace
}  // namespace graphpool
