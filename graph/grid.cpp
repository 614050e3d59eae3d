#include "graph/grid.hpp"

#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

Graph grid_graph(Index height, Index width, Neighbourhood neighbourhood) {
  if (height < 0 || width < 0) {
    throw ValueError("grid_graph: height and width must be >= 0, got " + std::to_string(height) +
                     " x " + std::to_string(width));
  }
  const Index H = height, W = width, n = H * W;
  const bool diagonals = neighbourhood == Neighbourhood::k8;
  // Calls f(source) for every neighbour of (r, c), in ascending (row-major) id order.
  auto for_each_neighbour = [&](Index r, Index c, auto&& f) {
    for (Index dr = -1; dr <= 1; ++dr) {
      for (Index dc = -1; dc <= 1; ++dc) {
        if (dr == 0 && dc == 0) continue;
        if (!diagonals && dr != 0 && dc != 0) continue;  // k4: no diagonal
        const Index rr = r + dr, cc = c + dc;
        if (rr < 0 || rr >= H || cc < 0 || cc >= W) continue;  // outside the grid
        f(rr * W + cc);
      }
    }
  };
  // Count -> prefix sum -> fill, rows in parallel.
  std::vector<Index> edge_ptr(static_cast<std::size_t>(n) + 1, 0);
  parallel_for(0, H, 16, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      for (Index c = 0; c < W; ++c) {
        Index d = 0;
        for_each_neighbour(r, c, [&](Index) { ++d; });
        edge_ptr[r * W + c + 1] = d;
      }
    }
  });
  std::partial_sum(edge_ptr.begin(), edge_ptr.end(), edge_ptr.begin());
  std::vector<Index> sources(static_cast<std::size_t>(edge_ptr.back()));
  parallel_for(0, H, 16, [&](Index lo, Index hi) {
    for (Index r = lo; r < hi; ++r) {
      for (Index c = 0; c < W; ++c) {
        Index slot = edge_ptr[r * W + c];
        for_each_neighbour(r, c, [&](Index s) { sources[slot++] = s; });
      }
    }
  });
  return Graph::from_csr(std::move(edge_ptr), std::move(sources));
}

}  // namespace graphpool
