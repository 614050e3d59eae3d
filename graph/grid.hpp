#pragma once
/// Grid graphs: the pixels of an H x W image as nodes, node id = row * W + col, with an edge in
/// both directions between every pair of neighbours (no self loops, unweighted). Pooling windows
/// on a grid are clusters of it (see graph/coarsen.hpp).
///   Graph g = grid_graph(3, 4, Neighbourhood::k8);   // 12 nodes, 2 * 29 = 58 edges
#include "graph/graph.hpp"

namespace graphpool {

/// k4: up, left, right, down (von Neumann); k8: also the 4 diagonals (Moore).
enum class Neighbourhood { k4, k8 };

/// The incoming edges of every node are sorted by source id (row-major order of the neighbours).
/// Throws ValueError for a negative height or width; 0 x W or H x 0 is the empty graph.
Graph grid_graph(Index height, Index width, Neighbourhood neighbourhood = Neighbourhood::k4);

}  // namespace graphpool
