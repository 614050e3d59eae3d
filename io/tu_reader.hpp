#pragma once
/// Reader of the TU Dortmund text format (DS_A.txt, DS_graph_indicator.txt, DS_graph_labels.txt,
/// DS_node_labels.txt, DS_node_attributes.txt, DS_edge_labels.txt, DS_edge_attributes.txt),
/// with PyG's TUDataset semantics: graph labels mapped to 0..C-1 (sorted distinct values), node
/// features = one-hot node labels by default (use_node_attr=False), self loops dropped, duplicate
/// edges merged (coalesce: edges sorted by (source, target), edge features summed).
///   TuStats stats;
///   GraphCollection c = read_tu("data/PROTEINS", "PROTEINS", TuOptions(), &stats);
/// Every malformed input throws IoError naming the file and the line:
///   "PROTEINS_A.txt line 812: node id 43472 > 43471 nodes".
#include <map>
#include <string>

#include "graph/graph.hpp"
#include "io/graph_collection.hpp"

namespace graphpool {

/// What goes into x: one-hot node labels (PyG's default), node attributes, or [attributes, labels].
enum class NodeFeatures { kLabels, kAttributes, kBoth };
/// What goes into edge_attr: nothing (PyG's default use_edge_attr=False), one-hot edge labels,
/// edge attributes, or [attributes, one-hot labels].
enum class EdgeFeatures { kNone, kLabels, kAttributes, kBoth };

struct TuOptions {
  TuOptions& node_features(NodeFeatures f) {
    node_features_ = f;
    return *this;
  }
  TuOptions& edge_features(EdgeFeatures f) {
    edge_features_ = f;
    return *this;
  }
  TuOptions& self_loops(SelfLoops s) {
    self_loops_ = s;
    return *this;
  }
  TuOptions& duplicates(Duplicates d) {
    duplicates_ = d;
    return *this;
  }
  NodeFeatures node_features_ = NodeFeatures::kLabels;  ///< PyG: use_node_attr=False
  EdgeFeatures edge_features_ = EdgeFeatures::kNone;    ///< PyG: use_edge_attr=False
  SelfLoops self_loops_ = SelfLoops::kDrop;             ///< PyG's TUDataset drops them
  Duplicates duplicates_ = Duplicates::kMerge;          ///< PyG's TUDataset coalesces
};

/// What read_tu saw and changed.
struct TuStats {
  Index raw_edges = 0;           ///< lines of DS_A.txt
  Index self_loops_dropped = 0;  ///< edges u -> u removed
  Index duplicates_merged = 0;   ///< repeated (source, target) edges merged into the first
};

/// Reads `dir`/`name`_*.txt. Throws IoError "<file> line <k>: <what>" on malformed input and
/// "<dir>: missing <file>" when a required file is absent.
GraphCollection read_tu(const std::string& dir, const std::string& name,
                        const TuOptions& options = {}, TuStats* stats = nullptr);

/// The same from texts in memory, keyed by suffix ("A", "graph_indicator", "graph_labels",
/// "node_labels", ...); messages name "(memory)" for the folder. For tests and fuzzing:
///   read_tu_texts({{"A", "1, 2\n"}, {"graph_indicator", "1\n1\n"}, {"graph_labels", "0\n"}}, "T");
GraphCollection read_tu_texts(const std::map<std::string, std::string>& files,
                              const std::string& name, const TuOptions& options = {},
                              TuStats* stats = nullptr);

}  // namespace graphpool
