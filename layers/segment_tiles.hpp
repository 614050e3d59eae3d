#pragma once
/// Fixed graph chunks for the per-graph aggregation kernels (softmax, power-mean, variance): a
/// chunk is a run of whole graphs sized so that it reads about 32K elements of x, a function of
/// the sizes only (never of the thread count). Each graph is computed by one chunk in node order,
/// and parameter-gradient partials are combined in chunk order, so results are bitwise identical
/// for any number of threads.
///   parallel_for(0, G, graph_grain(G, N, F), [&](Index g_lo, Index g_hi) { ... });
#include <algorithm>

#include "core/parallel.hpp"

namespace graphpool {

/// Graphs per chunk for G graphs over N rows of F features.
inline Index graph_grain(Index graphs, Index rows, Index features) {
  constexpr Index kTileElements = Index(1) << 15;
  const Index rows_per_graph = std::max<Index>(1, rows / std::max<Index>(1, graphs));
  return std::max<Index>(1, kTileElements / (rows_per_graph * std::max<Index>(1, features)));
}

}  // namespace graphpool
