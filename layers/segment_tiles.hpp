#pragma once
/// Fixed graph chunks for the per-graph aggregation kernels (softmax, power-mean, variance): a
/// chunk is a run of whole graphs sized so that it reads about 32K elements of x, a function of
/// the sizes only (never of the thread count). Each graph is computed by one chunk in node order,
/// and parameter-gradient partials are combined in chunk order, so results are bitwise identical
/// for any number of threads.
///   parallel_for(0, G, graph_grain(G, N, F), [&](Index g_lo, Index g_hi) { ... });
#include <algorithm>
#include <span>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

/// Graphs per chunk for G graphs over N rows of F features.
inline Index graph_grain(Index graphs, Index rows, Index features) {
  constexpr Index kTileElements = Index(1) << 15;
  const Index rows_per_graph = std::max<Index>(1, rows / std::max<Index>(1, graphs));
  return std::max<Index>(1, kTileElements / (rows_per_graph * std::max<Index>(1, features)));
}

/// ShapeError "<what>: <name> must be [want_rows, want_cols], got [rows, cols]" on a mismatch.
void check_segment_matrix(const char* what, const char* name, Index rows, Index cols,
                          Index want_rows, Index want_cols);

/// A per-channel parameter (temperature, power) has 1 entry (shared) or F entries.
void check_channel_parameter(const char* what, const char* name, Index size, Index features);

/// The gradient of a channel parameter has as many entries as the parameter.
void check_channel_gradient(const char* what, const char* name, Index grad_size, Index param_size);

/// Per-feature partials of a channel parameter's gradient, computed chunk by chunk over the G
/// graphs by `chunk(g_lo, g_hi, partial)` (partial has F zeros, or none when !want) and summed in
/// chunk order.
template <class T, class Chunk>
std::vector<T> reduce_channel_partials(Index graphs, Index grain, Index features, bool want,
                                       Chunk&& chunk) {
  using Partial = std::vector<T>;
  const auto width = static_cast<std::size_t>(want ? features : 0);
  return parallel_reduce(
      Index(0), graphs, grain, Partial(width, T(0)),
      [&](Index g_lo, Index g_hi) {
        Partial partial(width, T(0));
        chunk(g_lo, g_hi, partial);
        return partial;
      },
      [](Partial total, const Partial& part) {
        for (std::size_t f = 0; f < total.size(); ++f) total[f] += part[f];
        return total;
      });
}

/// grad += per-feature partials: a shared (1-entry) parameter gets their sum in feature order.
template <class T>
void add_channel_partials(std::span<T> grad, const std::vector<T>& partials) {
  if (grad.size() == 1) {
    T total = T(0);
    for (T v : partials) total += v;
    grad[0] += total;
  } else {
    for (std::size_t f = 0; f < partials.size(); ++f) grad[f] += partials[f];
  }
}

}  // namespace graphpool
