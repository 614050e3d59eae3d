#pragma once
/// 2-D max pooling with F.max_pool2d semantics (kernel, stride, padding, dilation, ceil_mode) on
/// [N, C, H, W], its indices and max-unpooling. Ties go to the first arg-max in row-major window
/// order and the whole gradient goes there (torch's rule). NaN propagates to the output.
///   Var<float> y = max_pool2d(x, MaxPool2dOptions(3).stride(2).padding(1));
///   auto [y2, idx] = max_pool2d_with_indices(x, MaxPool2dOptions(2));
///   Var<float> up = max_unpool2d(y2, idx, {H, W});
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"
#include "layers/pool2d_window.hpp"

namespace graphpool {

/// Plane indices h * W + w of each output's arg-max (torch's values; int32 here, int64 in torch).
using PoolIndices = std::shared_ptr<const std::vector<std::int32_t>>;

template <class T>
struct MaxPool2dResult {
  Var<T> out;           ///< [N, C, out_h, out_w]
  PoolIndices indices;  ///< same layout as out
};

/// The windows of `options` on an H x W input (validated; ValueError names the bad value).
PoolGrid max_pool2d_grid(const MaxPool2dOptions& options, Index H, Index W);

// --- kernels on caller memory: `planes` contiguous H x W planes (N * C of them) ------------------
/// out[p, o] = max over window o of plane p; indices (nullable) get the plane arg-max. Values and
/// indices follow torch's row-major scan; asking for indices does not change the values (up to
/// the sign of a zero maximum).
template <class T>
void max_pool2d_planes(const T* x, Index planes, const PoolGrid& grid, T* out,
                       std::int32_t* indices);
/// grad_x[p, indices[p, o]] += grad_out[p, o]; with accumulate == false grad_x is overwritten
/// (every element assigned: the gradient or 0; no zeroing needed beforehand).
template <class T>
void max_pool2d_planes_backward(const T* grad_out, const std::int32_t* indices, Index planes,
                                const PoolGrid& grid, T* grad_x, bool accumulate = true);

// --- tensors and the tape ------------------------------------------------------------------------
/// Forward only, into `out` (resized; its allocation is reused across calls).
template <class T>
void max_pool2d(const Tensor<T>& x, const MaxPool2dOptions& options, Tensor<T>& out,
                std::vector<std::int32_t>* indices = nullptr);

template <class T>
MaxPool2dResult<T> max_pool2d_with_indices(Var<T> x, const MaxPool2dOptions& options);
template <class T>
Var<T> max_pool2d(Var<T> x, const MaxPool2dOptions& options);
/// Max pooling with indices over any PoolGrid (adaptive, global and pyramid pooling use it).
template <class T>
MaxPool2dResult<T> max_pool2d_on_grid(Var<T> x, const PoolGrid& grid);
/// Max pooling over any PoolGrid; skips the indices when x needs no gradient.
template <class T>
Var<T> max_pool2d_values_on_grid(Var<T> x, const PoolGrid& grid);

/// Inverse of max pooling: out [N, C, H, W] is zero except out[n, c, indices[n, c, o]] = x[n, c, o]
/// (a repeated index keeps the last write, as torch's CPU kernel). IndexError names an index
/// outside [0, H * W).
template <class T>
Var<T> max_unpool2d(Var<T> x, const PoolIndices& indices, Size2 output_size);

/// Module form (no parameters).
///   MaxPool2d<float> pool(MaxPool2dOptions(2));  Var<float> y = pool.forward(x);
template <class T>
class MaxPool2d {
 public:
  explicit MaxPool2d(MaxPool2dOptions options) : options_(std::move(options)) {}
  Var<T> forward(Var<T> x) const { return max_pool2d(x, options_); }
  MaxPool2dResult<T> forward_with_indices(Var<T> x) const {
    return max_pool2d_with_indices(x, options_);
  }
  const MaxPool2dOptions& options() const { return options_; }

 private:
  MaxPool2dOptions options_;
};

}  // namespace graphpool
