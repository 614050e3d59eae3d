#pragma once
/// Options of the 2-D pooling ops, libtorch style: required arguments in the constructor, the rest
/// defaulted, chained setters.
///   auto o = MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true);
///   auto a = AvgPool2dOptions({2, 3}).count_include_pad(false);
#include <optional>
#include <vector>

#include "core/parallel.hpp"

namespace graphpool {

/// A (height, width) pair; one number means both: Size2(3) == Size2(3, 3).
struct Size2 {
  Size2(Index both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor)
  Size2(Index h_, Index w_) : h(h_), w(w_) {}
  Index h, w;
  bool operator==(const Size2&) const = default;
};

/// F.max_pool2d. Ties go to the first arg-max in row-major window order (as torch).
///   MaxPool2dOptions(3).stride(2).padding(1)
struct MaxPool2dOptions {
  MaxPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  /// Window step; unset means the kernel size (torch's stride=None).
  MaxPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  /// Implicit -inf padding on both sides; at most kernel_size / 2.
  MaxPool2dOptions& padding(Size2 p) {
    padding_ = p;
    return *this;
  }
  /// Spacing between window elements.
  MaxPool2dOptions& dilation(Size2 d) {
    dilation_ = d;
    return *this;
  }
  /// Ceil instead of floor for the output size (a last window starting in the padding is dropped).
  MaxPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_{0};
  Size2 dilation_{1};
  bool ceil_mode_ = false;
};

/// F.avg_pool2d.
///   AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false)
struct AvgPool2dOptions {
  AvgPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  /// Window step; unset means the kernel size.
  AvgPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  /// Implicit zero padding on both sides; at most kernel_size / 2.
  AvgPool2dOptions& padding(Size2 p) {
    padding_ = p;
    return *this;
  }
  AvgPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  /// Divide by the window size including padding (torch's default) or by the in-bounds count.
  AvgPool2dOptions& count_include_pad(bool c) {
    count_include_pad_ = c;
    return *this;
  }
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_{0};
  bool ceil_mode_ = false;
  bool count_include_pad_ = true;
};

/// Lp pooling (sum over the window of |x|^p)^(1/p), p >= 1 (torch's lp_pool2d uses x^p).
///   LpPool2dOptions(2.0, 2).stride(2)
struct LpPool2dOptions {
  LpPool2dOptions(double p, Size2 kernel_size) : p_(p), kernel_size_(kernel_size) {}
  LpPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  LpPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  double p_;
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  bool ceil_mode_ = false;
};

/// Softmax pooling: sum over the window of softmax(beta a) * a. beta = 0 is average pooling,
/// beta -> inf max pooling. Padding positions are absent (not zeros).
///   SoftmaxPool2dOptions(2).beta(0.5)
struct SoftmaxPool2dOptions {
  SoftmaxPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  SoftmaxPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  SoftmaxPool2dOptions& padding(Size2 p) {
    padding_ = p;
    return *this;
  }
  SoftmaxPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  /// Inverse temperature (any finite value).
  SoftmaxPool2dOptions& beta(double b) {
    beta_ = b;
    return *this;
  }
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_{0};
  bool ceil_mode_ = false;
  double beta_ = 1.0;
};

/// How mixed pooling gets its alpha.
enum class MixedAlpha {
  kFixed,      ///< the alpha option, a hyperparameter
  kLearnable,  ///< a trainable scalar parameter initialised to the alpha option
  kSampled,    ///< U[0, 1) drawn from the generator at each training forward; 0.5 in eval
};

/// Mixed pooling alpha * max + (1 - alpha) * avg (Yu et al. 2014) over the same windows.
///   MixedPool2dOptions(2).alpha(0.3).mode(MixedAlpha::kLearnable)
struct MixedPool2dOptions {
  MixedPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  MixedPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  MixedPool2dOptions& padding(Size2 p) {
    padding_ = p;
    return *this;
  }
  MixedPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  /// The average part's divisor, as AvgPool2dOptions::count_include_pad.
  MixedPool2dOptions& count_include_pad(bool c) {
    count_include_pad_ = c;
    return *this;
  }
  MixedPool2dOptions& alpha(double a) {
    alpha_ = a;
    return *this;
  }
  MixedPool2dOptions& mode(MixedAlpha m) {
    mode_ = m;
    return *this;
  }
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_{0};
  bool ceil_mode_ = false;
  bool count_include_pad_ = true;
  double alpha_ = 0.5;
  MixedAlpha mode_ = MixedAlpha::kFixed;
};

/// Stochastic pooling (Zeiler and Fergus 2013): training samples one activation per window with
/// probability a_i / sum(a); eval gives sum(a_i^2) / sum(a). Inputs must be non-negative.
///   StochasticPool2dOptions(2).stride(2)
struct StochasticPool2dOptions {
  StochasticPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size) {}  // NOLINT
  StochasticPool2dOptions& stride(Size2 s) {
    stride_ = s;
    return *this;
  }
  StochasticPool2dOptions& padding(Size2 p) {
    padding_ = p;
    return *this;
  }
  StochasticPool2dOptions& ceil_mode(bool c) {
    ceil_mode_ = c;
    return *this;
  }
  Size2 kernel_size_;
  std::optional<Size2> stride_;
  Size2 padding_{0};
  bool ceil_mode_ = false;
};

/// Max or average reduction (adaptive pooling, spatial pyramid pooling).
enum class PoolReduce { kMax, kAvg };

/// Spatial pyramid pooling (He et al. 2014): per level l an adaptive l x l pooling, flattened in
/// (channel, row, col) order and concatenated -> [N, C * sum(l^2)].
///   SpatialPyramidPoolOptions().levels({1, 2, 4}).reduce(PoolReduce::kAvg)
struct SpatialPyramidPoolOptions {
  SpatialPyramidPoolOptions& levels(std::vector<Index> l) {
    levels_ = std::move(l);
    return *this;
  }
  SpatialPyramidPoolOptions& reduce(PoolReduce r) {
    reduce_ = r;
    return *this;
  }
  std::vector<Index> levels_{1, 2, 4};
  PoolReduce reduce_ = PoolReduce::kMax;
};

}  // namespace graphpool
