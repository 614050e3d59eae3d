#include "io/graph_collection.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

namespace {

std::string str(Index v) {
  return std::to_string(v);
}

/// ptr[0] == 0, ptr[i] <= ptr[i + 1], ptr.back() == total.
void check_offsets(const char* what, const std::vector<Index>& ptr, Index total) {
  if (ptr.empty() || ptr[0] != 0)
    throw ValueError(std::string("GraphCollection: ") + what + "[0] must be 0");
  for (std::size_t i = 1; i < ptr.size(); ++i) {
    if (ptr[i] < ptr[i - 1])
      throw ValueError(std::string("GraphCollection: ") + what + "[" + str(Index(i)) +
                       "] = " + str(ptr[i]) + " < " + what + "[" + str(Index(i) - 1) +
                       "] = " + str(ptr[i - 1]) + "; offsets must be nondecreasing");
  }
  if (ptr.back() != total)
    throw ValueError(std::string("GraphCollection: ") + what + " ends at " + str(ptr.back()) +
                     " but there are " + str(total));
}

}  // namespace

void GraphCollection::validate() const {
  const Index G = num_graphs();
  if (G < 0) throw ValueError("GraphCollection: node_ptr must have at least one entry");
  if (x.rank() != 2) throw ShapeError("GraphCollection: x must be [N, F], got " + x.shape().str());
  check_offsets("node_ptr", node_ptr, x.dim(0));
  if (static_cast<Index>(edge_ptr.size()) != G + 1)
    throw ShapeError("GraphCollection: edge_ptr has " + str(Index(edge_ptr.size())) +
                     " entries, expected " + str(G + 1));
  if (targets.size() != sources.size())
    throw ShapeError("GraphCollection: " + str(Index(sources.size())) + " sources but " +
                     str(Index(targets.size())) + " targets");
  check_offsets("edge_ptr", edge_ptr, num_edges());
  if (static_cast<Index>(y.size()) != G)
    throw ShapeError("GraphCollection: y has " + str(Index(y.size())) + " labels for " + str(G) +
                     " graphs");
  if (num_classes < 1 && G > 0)
    throw ValueError("GraphCollection: num_classes must be >= 1, got " + str(num_classes));
  if (!label_values.empty() && static_cast<Index>(label_values.size()) != num_classes)
    throw ShapeError("GraphCollection: label_values has " + str(Index(label_values.size())) +
                     " entries for " + str(num_classes) + " classes");
  for (Index g = 0; g < G; ++g) {
    if (y[g] < 0 || y[g] >= num_classes)
      throw IndexError("GraphCollection: y[" + str(g) + "] = " + str(y[g]) + " outside [0, " +
                       str(num_classes) + ")");
    // 0 <= source, target < n_g for every edge of graph g.
    const Index n = node_ptr[g + 1] - node_ptr[g];
    for (Index e = edge_ptr[g]; e < edge_ptr[g + 1]; ++e) {
      if (sources[e] < 0 || sources[e] >= n || targets[e] < 0 || targets[e] >= n)
        throw IndexError("GraphCollection: edge " + str(e) + " (" + str(sources[e]) + " -> " +
                         str(targets[e]) + ") of graph " + str(g) + " outside [0, " + str(n) + ")");
    }
  }
  if (node_labels) {
    if (static_cast<Index>(node_labels->size()) != num_nodes())
      throw ShapeError("GraphCollection: node_labels has " + str(Index(node_labels->size())) +
                       " entries for " + str(num_nodes()) + " nodes");
    for (std::size_t i = 0; i < node_labels->size(); ++i)
      if ((*node_labels)[i] < 0)
        throw IndexError("GraphCollection: node_labels[" + str(Index(i)) +
                         "] = " + str((*node_labels)[i]) + " is negative");
  }
  if (edge_attr && (edge_attr->rank() != 2 || edge_attr->dim(0) != num_edges()))
    throw ShapeError("GraphCollection: edge_attr must be [" + str(num_edges()) + ", D], got " +
                     edge_attr->shape().str());
}

}  // namespace graphpool
