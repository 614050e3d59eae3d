#pragma once
/// Window geometry shared by every 2-D pooling op: which input rows and columns each output
/// position reads. An axis lists, per output position o, the in-bounds inputs
/// first[o] + k * step (k < count[o]); padding simply means fewer members. Regular windows
/// (kernel, stride, padding, dilation, ceil_mode: torch's rule), adaptive bins and the one global
/// window are all a PoolGrid, so one set of kernels serves them all.
///   PoolGrid g = window_grid("max_pool2d", 9, 11, 3, 2, 1, 1, false);   // g.out_h() == 5
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "layers/pool2d_options.hpp"

namespace graphpool {

/// The windows along one axis (rows or columns).
struct PoolAxis {
  Index in = 0;                ///< input length
  Index step = 1;              ///< distance between members (dilation)
  std::vector<Index> first;    ///< [out]: first in-bounds member
  std::vector<Index> count;    ///< [out]: number of in-bounds members
  std::vector<Index> nominal;  ///< [out]: length with padding counted (avg count_include_pad)
  /// Regular windows: output o starts at o * stride - pad (before clipping) and has `kernel`
  /// members spaced `step`; adaptive and global axes have kernel == 0.
  Index kernel = 0, stride = 0, pad = 0;
  Index out() const { return static_cast<Index>(first.size()); }
};

/// Rows x columns: output (oh, ow) reads the in-bounds members of rows[oh] x cols[ow].
struct PoolGrid {
  PoolAxis rows, cols;
  Index in_h() const { return rows.in; }
  Index in_w() const { return cols.in; }
  Index out_h() const { return rows.out(); }
  Index out_w() const { return cols.out(); }
};

/// torch's output length: floor_or_ceil((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1,
/// minus one in ceil mode when the last window would start in the right padding.
Index pooling_output_size(Index in, Index kernel, Index stride, Index pad, Index dilation,
                          bool ceil_mode);

/// Regular windows on an H x W input; validates every value (ValueError names `op`, the argument
/// and its value): kernel, stride, dilation > 0, 0 <= padding <= kernel / 2, output >= 1.
PoolGrid window_grid(const char* op, Index H, Index W, Size2 kernel, Size2 stride, Size2 padding,
                     Size2 dilation, bool ceil_mode);
/// torch's adaptive bins: bin i of n covers [floor(i in / n), ceil((i + 1) in / n)).
PoolGrid adaptive_grid(const char* op, Index H, Index W, Size2 output_size);
/// One window covering the whole H x W input.
PoolGrid global_grid(Index H, Index W);

/// Checks x is [N, C, H, W] with H * W < 2^31 (plane indices are int32); ShapeError otherwise.
void check_pool_input(const char* op, const Shape& x);
/// The output shape [N, C, out_h, out_w] for input [N, C, H, W].
Shape pool_output_shape(const Shape& x, const PoolGrid& grid);

/// Calls body(lo, hi) on fixed chunks of planes [0, planes) in parallel (chunks sized from
/// plane_size only, so independent of the thread count).
void for_each_plane_chunk(Index planes, Index plane_size, ChunkBody body);

/// "[a, b]" for messages.
std::string size2_str(Size2 s);

}  // namespace graphpool

namespace graphpool {

/// Length of a row buffer holding an axis with `pad` identity cells on the left and enough on the
/// right that every regular window o reads cells o * stride + k * step (k < kernel) in bounds.
Index padded_length(const PoolAxis& axis);
/// True when the axis is regular with kernel K, stride S, step 1 (the unrolled fast paths).
inline bool is_regular(const PoolAxis& a, Index K, Index S) {
  return a.kernel == K && a.stride == S && a.step == 1;
}
/// True when every window of the axis is exactly {2 o, 2 o + 1} (kernel 2, stride 2, no padding,
/// no clipped last window): the fused 2 x 2 kernels. An odd last input is in no window.
inline bool is_exact_k2s2(const PoolAxis& a) {
  return is_regular(a, 2, 2) && a.pad == 0 && !a.count.empty() && a.count.back() == 2;
}
/// True when the grid is one window over the whole plane (global pooling, adaptive 1 x 1).
inline bool is_whole_plane(const PoolGrid& g) {
  return g.out_h() == 1 && g.out_w() == 1 && g.rows.first[0] == 0 && g.cols.first[0] == 0 &&
         g.rows.count[0] == g.in_h() && g.cols.count[0] == g.in_w() && g.rows.step == 1 &&
         g.cols.step == 1;
}

}  // namespace graphpool
