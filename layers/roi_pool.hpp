#pragma once
/// RoI max pooling (Fast R-CNN), exactly torchvision.ops.roi_pool.
///
/// x [N, C, H, W] is a batch of feature maps; boxes [K, 5] are rows (batch index, x1, y1, x2, y2)
/// in input-image coordinates (corners inclusive). Each box is cut into h x w bins and each bin is
/// max-pooled per channel -> out [K, C, h, w].
///   Var<float> pooled = roi_max_pool2d(x, boxes, RoiPoolOptions(7).spatial_scale(1.0 / 16));
///
/// Rounding and bins (the Caffe / torchvision CPU kernel, computed in T like torchvision):
/// - corners: x1' = round(x1 * spatial_scale) (round half away from zero, C's round()), same for
///   y1, x2, y2; roi_w = max(x2' - x1' + 1, 1), roi_h = max(y2' - y1' + 1, 1);
/// - bin (i, j) covers rows floor(i * roi_h / h) .. ceil((i + 1) * roi_h / h) (end exclusive)
/// offset
///   by y1' and clipped to [0, H], columns likewise with roi_w / w, x1', W;
/// - an empty bin (after clipping) gives 0, arg index -1 and no gradient.
/// - The max starts from -FLT_MAX and takes a strictly greater value in row-major order, as
///   torchvision: ties go to the FIRST arg-max (which receives the whole gradient), NaN inputs are
///   never picked, and a bin whose values are all <= -FLT_MAX (e.g. all -inf) gives -FLT_MAX with
///   no gradient. The peer's ops.roi_max_pool2d uses amax and splits tied gradients evenly.
/// Checks (torchvision has none): a box whose batch index is not an integer in [0, N) is an
/// IndexError naming the box; a NaN or infinite coordinate, or a scaled corner beyond +-2^30, is a
/// ValueError naming the box. Boxes receive no gradient (as torchvision).
///
/// Backward: grad_x[b, c, arg] += grad_out[k, c, i, j]. It runs in parallel over channels with the
/// boxes in order inside, so overlapping boxes accumulate in a fixed order (bitwise identical for
/// any thread count).
#include <cstdint>
#include <span>
#include <vector>

#include "core/module.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// Output size (h, w) and spatial scale of RoI pooling.
///   RoiPoolOptions(7).spatial_scale(1.0 / 16)      // 7 x 7 bins on a stride-16 feature map
///   RoiPoolOptions(3, 4)                           // 3 rows x 4 columns of bins
struct RoiPoolOptions {
  explicit RoiPoolOptions(Index size) : RoiPoolOptions(size, size) {}
  RoiPoolOptions(Index output_h, Index output_w) : output_h_(output_h), output_w_(output_w) {}
  /// Factor from box coordinates to feature-map cells (1 / the backbone's stride); default 1.
  RoiPoolOptions& spatial_scale(double s) {
    spatial_scale_ = s;
    return *this;
  }
  Index output_h_;
  Index output_w_;
  double spatial_scale_ = 1.0;
};

// --- kernels (free functions on tensors, no tape) ---------------------------------------------

/// Checks x, boxes and options (ShapeError, IndexError, ValueError as described above).
template <class T>
void check_roi_pool_args(const Shape& x, const Tensor<T>& boxes, const RoiPoolOptions& options);

/// out [K, C, h, w] (resized) and argmax [K * C * h * w] (index h * W + w inside the plane
/// x[b, c], -1 for an empty bin). Validates its arguments first.
template <class T>
void roi_max_pool2d_forward(const Tensor<T>& x, const Tensor<T>& boxes,
                            const RoiPoolOptions& options, Tensor<T>& out,
                            std::vector<std::int32_t>& argmax);

/// grad_x [N, C, H, W] += scatter of grad_out [K, C, h, w] through argmax (deterministic order).
template <class T>
void roi_max_pool2d_backward(const Tensor<T>& grad_out, std::span<const std::int32_t> argmax,
                             const Tensor<T>& boxes, Tensor<T>& grad_x);

// --- tape op and module -----------------------------------------------------------------------

/// x [N, C, H, W] on a tape, boxes [K, 5] (copied into the backward closure) -> [K, C, h, w].
///   Var<float> y = roi_max_pool2d(x, boxes, RoiPoolOptions(7).spatial_scale(0.0625));
template <class T>
Var<T> roi_max_pool2d(Var<T> x, const Tensor<T>& boxes, const RoiPoolOptions& options);

/// RoI max pooling as a module (no parameters), like torchvision.ops.RoIPool.
///   RoiPool<float> pool(RoiPoolOptions(7).spatial_scale(1.0 / 16));
///   Var<float> y = pool.forward(features, boxes);   // [K, C, 7, 7]
template <class T>
class RoiPool : public Module<T> {
 public:
  explicit RoiPool(const RoiPoolOptions& options) : options_(options) {}
  Var<T> forward(Var<T> x, const Tensor<T>& boxes) { return roi_max_pool2d(x, boxes, options_); }
  const RoiPoolOptions& options() const { return options_; }

 private:
  RoiPoolOptions options_;
};

}  // namespace graphpool
