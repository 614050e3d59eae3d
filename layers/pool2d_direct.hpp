#pragma once
/// Internal: the direct per-window loop used by the pooling ops without a separable fast path
/// (Lp, softmax, stochastic). For each window it lists the members' plane offsets h * W + w in
/// row-major order and hands them to the caller, who reduces them with pool_reduce (the same code
/// the cluster path runs, so both give the same bits).
#include <vector>

#include "layers/pool2d_window.hpp"

namespace graphpool {

/// fn(p, o, n, offs): plane p, output o = oh * out_w + ow, n members at plane offsets offs[0..n).
/// Planes run in parallel; one plane's windows run in order (backward scatters are race-free).
template <class Fn>
void for_each_window(Index planes, const PoolGrid& g, Fn&& fn) {
  const Index W = g.in_w(), OH = g.out_h(), OW = g.out_w();
  Index most = 0;
  for (Index oh = 0; oh < OH; ++oh)
    for (Index ow = 0; ow < OW; ++ow) most = std::max(most, g.rows.count[oh] * g.cols.count[ow]);
  for_each_plane_chunk(planes, g.in_h() * W, [&](Index lo, Index hi) {
    std::vector<Index> offs(static_cast<std::size_t>(most));
    for (Index p = lo; p < hi; ++p)
      for (Index oh = 0; oh < OH; ++oh)
        for (Index ow = 0; ow < OW; ++ow) {
          Index n = 0;
          for (Index kh = 0; kh < g.rows.count[oh]; ++kh) {
            const Index row = (g.rows.first[oh] + kh * g.rows.step) * W;
            for (Index kw = 0; kw < g.cols.count[ow]; ++kw)
              offs[static_cast<std::size_t>(n++)] = row + g.cols.first[ow] + kw * g.cols.step;
          }
          fn(p, oh * OW + ow, n, offs.data());
        }
  });
}

}  // namespace graphpool
