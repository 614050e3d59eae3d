#pragma once
/// A collection of graphs as a dataset file stores it (PyG's InMemoryDataset slices): per-graph
/// node and edge offsets, COO edges with ids local to their graph, node features, labels.
///   GraphCollection c = read_tu("data/MUTAG", "MUTAG");   // io/tu_reader.hpp
///   c.num_graphs();                                       // 188
///   write_dataset("mutag.h5", c);                         // io/dataset.hpp
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace graphpool {

struct GraphCollection {
  std::string name;    ///< dataset name ("PROTEINS")
  std::string source;  ///< provenance, free text ("TU text format: data/PROTEINS")
  Index num_classes = 0;
  /// Original label of each class c (the TU value mapped to c); empty when unknown.
  std::vector<Index> label_values;
  std::vector<Index> node_ptr{0};  ///< [G + 1] nodes of graph g: node_ptr[g] .. node_ptr[g + 1]
  std::vector<Index> edge_ptr{0};  ///< [G + 1] edges of graph g: edge_ptr[g] .. edge_ptr[g + 1]
  /// [E] edge e goes sources[e] -> targets[e]; ids are local to the edge's graph (0-based).
  std::vector<Index> sources, targets;
  Tensor<float> x{Shape{0, 0}};  ///< [N, F] node features
  /// [N] integer node labels (0-based: the index of the one-hot column), when the data has them.
  std::optional<std::vector<Index>> node_labels;
  std::vector<Index> y;                    ///< [G] graph labels in [0, num_classes)
  std::optional<Tensor<float>> edge_attr;  ///< [E, D] edge features, when present

  Index num_graphs() const { return static_cast<Index>(node_ptr.size()) - 1; }
  Index num_nodes() const { return node_ptr.back(); }
  Index num_edges() const { return static_cast<Index>(sources.size()); }
  Index num_features() const { return x.rank() == 2 ? x.dim(1) : 0; }

  /// Throws ValueError / IndexError / ShapeError naming the field and the offending index unless
  /// every offset, id, label and shape is consistent.
  void validate() const;
};

}  // namespace graphpool
