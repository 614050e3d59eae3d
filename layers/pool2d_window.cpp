#include "layers/pool2d_window.hpp"

#include <algorithm>
#include <limits>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace graphpool {

namespace {

// Floor division for a possibly negative numerator (torch's div_rtn).
Index floor_div(Index a, Index b) {
  Index q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Index ceil_div(Index a, Index b) {
  return -floor_div(-a, b);
}

// Regular windows along one axis: output o nominally covers o * S - P + k * D, k < K.
PoolAxis regular_axis(Index in, Index K, Index S, Index P, Index D, bool ceil_mode, Index out) {
  PoolAxis a;
  a.in = in;
  a.step = D;
  a.kernel = K;
  a.stride = S;
  a.pad = P;
  a.first.resize(static_cast<std::size_t>(out));
  a.count.resize(static_cast<std::size_t>(out));
  a.nominal.resize(static_cast<std::size_t>(out));
  for (Index o = 0; o < out; ++o) {
    const Index start = o * S - P;
    // in-bounds k: start + k D >= 0 and start + k D < in
    const Index k0 = start < 0 ? ceil_div(-start, D) : 0;
    const Index k1 = std::min(K, std::max<Index>(0, ceil_div(in - start, D)));
    const auto i = static_cast<std::size_t>(o);
    a.first[i] = start + k0 * D;
    a.count[i] = std::max<Index>(0, k1 - k0);
    // avg_pool2d's count_include_pad size: the window clipped to the padded input [-P, in + P)
    a.nominal[i] = std::min(start + K, in + P) - start;
  }
  return a;
}

PoolAxis adaptive_axis(Index in, Index out) {
  PoolAxis a;
  a.in = in;
  a.first.resize(static_cast<std::size_t>(out));
  a.count.resize(static_cast<std::size_t>(out));
  a.nominal.resize(static_cast<std::size_t>(out));
  for (Index o = 0; o < out; ++o) {
    // bin o covers [floor(o in / out), ceil((o + 1) in / out))
    const Index start = (o * in) / out;
    const Index end = ((o + 1) * in + out - 1) / out;
    const auto i = static_cast<std::size_t>(o);
    a.first[i] = start;
    a.count[i] = end - start;
    a.nominal[i] = end - start;
  }
  return a;
}

void check_positive(const char* op, const char* what, Size2 v) {
  if (v.h <= 0 || v.w <= 0) {
    throw ValueError(std::string(op) + ": " + what + " must be > 0, got " + size2_str(v));
  }
}

}  // namespace

std::string size2_str(Size2 s) {
  std::string text = "[";  // appended, not "[" + ...: GCC 12's -Wrestrict false positive
  text += std::to_string(s.h);
  text += ", ";
  text += std::to_string(s.w);
  text += "]";
  return text;
}

Index pooling_output_size(Index in, Index kernel, Index stride, Index pad, Index dilation,
                          bool ceil_mode) {
  // out = floor_or_ceil((in + 2 P - D (K - 1) - 1) / S) + 1
  Index out =
      floor_div(in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) +
      1;
  // ceil mode: the last window must start inside the input or the left padding
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

PoolGrid window_grid(const char* op, Index H, Index W, Size2 kernel, Size2 stride, Size2 padding,
                     Size2 dilation, bool ceil_mode) {
  check_positive(op, "kernel_size", kernel);
  check_positive(op, "stride", stride);
  check_positive(op, "dilation", dilation);
  if (padding.h < 0 || padding.w < 0) {
    throw ValueError(std::string(op) + ": padding must be >= 0, got " + size2_str(padding));
  }
  if (padding.h > kernel.h / 2 || padding.w > kernel.w / 2) {
    throw ValueError(std::string(op) + ": padding must be at most half the kernel size, got " +
                     "padding " + size2_str(padding) + " for kernel_size " + size2_str(kernel));
  }
  const Index OH = pooling_output_size(H, kernel.h, stride.h, padding.h, dilation.h, ceil_mode);
  const Index OW = pooling_output_size(W, kernel.w, stride.w, padding.w, dilation.w, ceil_mode);
  if (OH < 1 || OW < 1) {
    throw ValueError(std::string(op) + ": output size " + size2_str({OH, OW}) +
                     " is too small for input " + size2_str({H, W}) + " with kernel_size " +
                     size2_str(kernel) + ", dilation " + size2_str(dilation) + ", padding " +
                     size2_str(padding));
  }
  PoolGrid g;
  g.rows = regular_axis(H, kernel.h, stride.h, padding.h, dilation.h, ceil_mode, OH);
  g.cols = regular_axis(W, kernel.w, stride.w, padding.w, dilation.w, ceil_mode, OW);
  return g;
}

PoolGrid adaptive_grid(const char* op, Index H, Index W, Size2 output_size) {
  check_positive(op, "output_size", output_size);
  PoolGrid g;
  g.rows = adaptive_axis(H, output_size.h);
  g.cols = adaptive_axis(W, output_size.w);
  return g;
}

PoolGrid global_grid(Index H, Index W) {
  return adaptive_grid("global_pool2d", H, W, {1, 1});
}

void check_pool_input(const char* op, const Shape& x) {
  if (x.rank() != 4) {
    throw ShapeError(std::string(op) + ": input must be [N, C, H, W], got " + x.str());
  }
  if (x[2] < 1 || x[3] < 1) {
    throw ShapeError(std::string(op) + ": input must have H, W >= 1, got " + x.str());
  }
  if (x[2] * x[3] > std::numeric_limits<std::int32_t>::max()) {
    throw ShapeError(std::string(op) + ": H * W must fit int32 indices, got " + x.str());
  }
}

Shape pool_output_shape(const Shape& x, const PoolGrid& grid) {
  return Shape{x[0], x[1], grid.out_h(), grid.out_w()};
}

void for_each_plane_chunk(Index planes, Index plane_size, ChunkBody body) {
  parallel_for(0, planes, rows_per_chunk(plane_size), body);
}

}  // namespace graphpool

namespace graphpool {

Index padded_length(const PoolAxis& a) {
  if (a.kernel == 0) return a.in;
  return std::max(a.pad + a.in, (a.out() - 1) * a.stride + (a.kernel - 1) * a.step + 1);
}

}  // namespace graphpool
