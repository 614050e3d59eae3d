#pragma once
/// Softmax pooling on [N, C, H, W]: sum over the window of softmax(beta a) a, computed with the
/// max-shift (stable for any finite beta). beta = 0 is average pooling over the in-bounds
/// elements, beta -> +inf max pooling, beta -> -inf min pooling.
/// Gradient d out / d a_j = w_j (1 + beta (a_j - out)).
///   Var<float> y = softmax_pool2d(x, SoftmaxPool2dOptions(2).beta(0.5));
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"
#include "layers/pool2d_window.hpp"

namespace graphpool {

/// The windows of `options` on an H x W input (validated, beta finite).
PoolGrid softmax_pool2d_grid(const SoftmaxPool2dOptions& options, Index H, Index W);

/// Forward; shift / norm (nullable, one per output) receive max(beta a) and the softmax sum.
template <class T>
void softmax_pool2d_planes(const T* x, Index planes, const PoolGrid& grid, T beta, T* out, T* shift,
                           T* norm);
template <class T>
void softmax_pool2d_planes_backward(const T* x, const T* out, const T* shift, const T* norm,
                                    const T* grad_out, Index planes, const PoolGrid& grid, T beta,
                                    T* grad_x);

/// Forward only into `out` (resized, allocation reused).
template <class T>
void softmax_pool2d(const Tensor<T>& x, const SoftmaxPool2dOptions& options, Tensor<T>& out);
template <class T>
Var<T> softmax_pool2d(Var<T> x, const SoftmaxPool2dOptions& options);

/// Module form.  SoftmaxPool2d<float> pool(SoftmaxPool2dOptions(2).beta(2.0));
template <class T>
class SoftmaxPool2d {
 public:
  explicit SoftmaxPool2d(SoftmaxPool2dOptions options) : options_(std::move(options)) {}
  Var<T> forward(Var<T> x) const { return softmax_pool2d(x, options_); }
  const SoftmaxPool2dOptions& options() const { return options_; }

 private:
  SoftmaxPool2dOptions options_;
};

}  // namespace graphpool
