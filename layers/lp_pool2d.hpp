#pragma once
/// Lp pooling on [N, C, H, W]: (sum over the window of |x|^p)^(1/p), p >= 1. Uses the true |x|
/// (torch's F.lp_pool2d uses x^p: same for even p). In ceil_mode a partial last window sums its
/// in-bounds elements (torch rescales an average instead). Gradient
/// sign(x) |x|^(p-1) / out^(p-1), 0 where out = 0.
///   Var<float> y = lp_pool2d(x, LpPool2dOptions(2.0, 2));
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"
#include "layers/pool2d_window.hpp"

namespace graphpool {

/// The windows of `options` on an H x W input (validated, also p >= 1 and finite).
PoolGrid lp_pool2d_grid(const LpPool2dOptions& options, Index H, Index W);

template <class T>
void lp_pool2d_planes(const T* x, Index planes, const PoolGrid& grid, T p, T* out);
template <class T>
void lp_pool2d_planes_backward(const T* x, const T* out, const T* grad_out, Index planes,
                               const PoolGrid& grid, T p, T* grad_x);

/// Forward only into `out` (resized, allocation reused).
template <class T>
void lp_pool2d(const Tensor<T>& x, const LpPool2dOptions& options, Tensor<T>& out);
template <class T>
Var<T> lp_pool2d(Var<T> x, const LpPool2dOptions& options);

/// Module form.  LpPool2d<float> pool(LpPool2dOptions(2.0, 2));
template <class T>
class LpPool2d {
 public:
  explicit LpPool2d(LpPool2dOptions options) : options_(std::move(options)) {}
  Var<T> forward(Var<T> x) const { return lp_pool2d(x, options_); }
  const LpPool2dOptions& options() const { return options_; }

 private:
  LpPool2dOptions options_;
};

}  // namespace graphpool
