#pragma once
/// 2-D average pooling with F.avg_pool2d semantics (kernel, stride, padding, ceil_mode,
/// count_include_pad) on [N, C, H, W]. With count_include_pad the divisor is the window clipped to
/// the padded input [-pad, in + pad) (torch's rule, smaller for a ceil_mode last window).
///   Var<float> y = avg_pool2d(x, AvgPool2dOptions(3).stride(2).padding(1));
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"
#include "layers/pool2d_window.hpp"

namespace graphpool {

/// The windows of `options` on an H x W input (validated).
PoolGrid avg_pool2d_grid(const AvgPool2dOptions& options, Index H, Index W);

/// out[p, (oh, ow)] = sum of the window / divisor; divisor = nominal sizes with include_pad,
/// in-bounds counts otherwise (the grid's rows x cols).
template <class T>
void avg_pool2d_planes(const T* x, Index planes, const PoolGrid& grid, bool include_pad, T* out);
/// grad_x[p, i] += sum over windows o holding i of grad_out[p, o] / divisor_o; with
/// accumulate == false grad_x is overwritten (every element assigned, no zeroing beforehand).
template <class T>
void avg_pool2d_planes_backward(const T* grad_out, Index planes, const PoolGrid& grid,
                                bool include_pad, T* grad_x, bool accumulate = true);

/// Forward only into `out` (resized, allocation reused).
template <class T>
void avg_pool2d(const Tensor<T>& x, const AvgPool2dOptions& options, Tensor<T>& out);
template <class T>
Var<T> avg_pool2d(Var<T> x, const AvgPool2dOptions& options);
/// Average pooling over any PoolGrid (adaptive and global pooling use it).
template <class T>
Var<T> avg_pool2d_on_grid(Var<T> x, const PoolGrid& grid, bool include_pad);

/// Module form (no parameters).
///   AvgPool2d<float> pool(AvgPool2dOptions(2));  Var<float> y = pool.forward(x);
template <class T>
class AvgPool2d {
 public:
  explicit AvgPool2d(AvgPool2dOptions options) : options_(std::move(options)) {}
  Var<T> forward(Var<T> x) const { return avg_pool2d(x, options_); }
  const AvgPool2dOptions& options() const { return options_; }

 private:
  AvgPool2dOptions options_;
};

}  // namespace graphpool
