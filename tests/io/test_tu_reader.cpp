#include "io/tu_reader.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/errors.hpp"
#include "graph/graph.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;

TEST(TuReader, TinyDatasetAsPyG) {
  ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  TuStats stats;
  const GraphCollection c = read_tu(dir.str("TINY"), "TINY", TuOptions(), &stats);
  c.validate();
  EXPECT_EQ(c.num_graphs(), 3);
  EXPECT_EQ(c.num_nodes(), 9);
  EXPECT_EQ(c.node_ptr, (std::vector<Index>{0, 3, 5, 9}));
  // Coalesced by hand: sorted by (source, target), self loop 3-3 dropped, 4-5 merged.
  EXPECT_EQ(c.edge_ptr, (std::vector<Index>{0, 4, 6, 12}));
  EXPECT_EQ(c.sources, (std::vector<Index>{0, 1, 1, 2, 0, 1, 0, 1, 1, 2, 2, 3}));
  EXPECT_EQ(c.targets, (std::vector<Index>{1, 0, 2, 1, 1, 0, 1, 0, 2, 1, 3, 2}));
  EXPECT_EQ(stats.raw_edges, 14);
  EXPECT_EQ(stats.self_loops_dropped, 1);
  EXPECT_EQ(stats.duplicates_merged, 1);
  // Labels -1, 1 -> classes 0, 1.
  EXPECT_EQ(c.num_classes, 2);
  EXPECT_EQ(c.label_values, (std::vector<Index>{-1, 1}));
  EXPECT_EQ(c.y, (std::vector<Index>{1, 0, 1}));
  // Default node features: one-hot node labels (0..2 -> 3 columns).
  ASSERT_EQ(c.x.shape(), (Shape{9, 3}));
  const std::vector<Index> labels{0, 1, 2, 0, 0, 1, 1, 2, 0};
  for (Index i = 0; i < 9; ++i)
    for (Index j = 0; j < 3; ++j) EXPECT_EQ(c.x(i, j), j == labels[i] ? 1.f : 0.f);
  ASSERT_TRUE(c.node_labels);
  EXPECT_EQ(*c.node_labels, labels);
  EXPECT_FALSE(c.edge_attr);
}

TEST(TuReader, DropAndMergeCountsAgreeWithGraphOptions) {
  ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  const GraphCollection c = read_tu(dir.str("TINY"), "TINY");
  // Raw A (0-based) through Graph's own self-loop / duplicate options.
  const std::vector<Index> s{0, 1, 1, 2, 2, 3, 4, 3, 5, 6, 7, 8, 6, 7};
  const std::vector<Index> t{1, 0, 2, 1, 2, 4, 3, 4, 6, 5, 8, 7, 7, 6};
  const Graph g = Graph::from_edges(
      9, s, t, {}, GraphOptions().self_loops(SelfLoops::kDrop).duplicates(Duplicates::kMerge));
  EXPECT_EQ(g.num_edges(), c.num_edges());
}

TEST(TuReader, KeepOptionsKeepLoopsAndDuplicates) {
  ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  TuStats stats;
  const GraphCollection c =
      read_tu(dir.str("TINY"), "TINY",
              TuOptions().self_loops(SelfLoops::kKeep).duplicates(Duplicates::kKeep), &stats);
  EXPECT_EQ(c.num_edges(), 14);
  EXPECT_EQ(stats.self_loops_dropped, 0);
  EXPECT_EQ(stats.duplicates_merged, 0);
}

TEST(TuReader, NodeFeatureModes) {
  ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  const GraphCollection a =
      read_tu(dir.str("TINY"), "TINY", TuOptions().node_features(NodeFeatures::kAttributes));
  ASSERT_EQ(a.x.shape(), (Shape{9, 2}));
  EXPECT_EQ(a.x(4, 0), 4.5f);
  EXPECT_EQ(a.x(4, 1), 5.f);
  // PyG's order: [attributes, one-hot labels].
  const GraphCollection b =
      read_tu(dir.str("TINY"), "TINY", TuOptions().node_features(NodeFeatures::kBoth));
  ASSERT_EQ(b.x.shape(), (Shape{9, 5}));
  EXPECT_EQ(b.x(2, 0), 2.5f);
  EXPECT_EQ(b.x(2, 1), 3.f);
  EXPECT_EQ(b.x(2, 2 + 2), 1.f);
  EXPECT_EQ(b.x(2, 2 + 0), 0.f);
}

TEST(TuReader, EdgeLabelsOneHotAndSummedOnMerge) {
  ScratchDir dir;
  testing::write_tu(dir.str("TINY"), "TINY", testing::tiny_tu_files());
  const GraphCollection c =
      read_tu(dir.str("TINY"), "TINY", TuOptions().edge_features(EdgeFeatures::kLabels));
  ASSERT_TRUE(c.edge_attr);
  ASSERT_EQ(c.edge_attr->shape(), (Shape{12, 3}));  // labels 1..3 -> 3 columns
  // Edge 4 is graph 2's 4 -> 5: lines 6 and 8 (labels 1 and 1) merged: one-hot summed.
  EXPECT_EQ((*c.edge_attr)(4, 0), 2.f);
  EXPECT_EQ((*c.edge_attr)(4, 1), 0.f);
  // Edge 2 is 2 -> 3 (line 3, label 2).
  EXPECT_EQ((*c.edge_attr)(2, 1), 1.f);
  EXPECT_EQ((*c.edge_attr)(2, 0) + (*c.edge_attr)(2, 2), 0.f);
}

TEST(TuReader, CrLfAndNoSpacesAndNoFinalNewline) {
  ScratchDir dir;
  auto files = testing::tiny_tu_files();
  std::string a;
  for (char ch : files["A"]) {
    if (ch == ' ') continue;
    if (ch == '\n') a += '\r';
    a += ch;
  }
  a.pop_back();  // no final newline
  a.pop_back();
  files["A"] = a;
  testing::write_tu(dir.str("TINY"), "TINY", files);
  TuStats stats;
  const GraphCollection c = read_tu(dir.str("TINY"), "TINY", TuOptions(), &stats);
  EXPECT_EQ(stats.raw_edges, 14);
  EXPECT_EQ(c.num_edges(), 12);
}

TEST(TuReader, ErrorNamesFileAndLine) {
  ScratchDir dir;
  auto files = testing::tiny_tu_files();
  files["A"] += "10, 9\n";  // line 15: 10 > 9 nodes
  testing::write_tu(dir.str("TINY"), "TINY", files);
  try {
    read_tu(dir.str("TINY"), "TINY");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_STREQ(e.what(), "TINY_A.txt line 15: node id 10 > 9 nodes");
  }
}

TEST(TuReader, SharedDatasetsMatchSourceCounts) {
  bool any = false;
  for (const auto& want : testing::shared_tu_counts()) {
    const std::string dir = testing::shared_tu_dir(want.name);
    if (dir.empty()) continue;
    any = true;
    SCOPED_TRACE(want.name);
    TuStats stats;
    const GraphCollection c = read_tu(dir, want.name, TuOptions(), &stats);
    c.validate();
    EXPECT_EQ(c.num_graphs(), want.graphs);
    EXPECT_EQ(c.num_nodes(), want.nodes);
    EXPECT_EQ(stats.raw_edges, want.a_lines);
    // SOURCE.md: no self loops, no duplicate lines -> every line is an edge.
    EXPECT_EQ(stats.self_loops_dropped, 0);
    EXPECT_EQ(stats.duplicates_merged, 0);
    EXPECT_EQ(c.num_edges(), want.a_lines);
    EXPECT_EQ(c.num_classes, want.classes);
    std::map<long, long> counts;
    for (Index g = 0; g < c.num_graphs(); ++g) ++counts[c.label_values[c.y[g]]];
    EXPECT_EQ(counts, want.label_counts);
  }
  if (!any) GTEST_SKIP() << "../shared/data/TU not found (GRAPHPOOL_SHARED_DIR); skipped";
}

}  // namespace
}  // namespace graphpool
