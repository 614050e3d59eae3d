#pragma once
/// Spatial pyramid pooling (He et al. 2014): for each level l an adaptive l x l max (or average)
/// pooling with adaptive_max_pool2d's bins, flattened in (channel, row, col) order and the levels
/// concatenated: [N, C, H, W] -> [N, C * sum(l^2)] (21 C for the default levels 1, 2, 4).
///   Var<float> v = spatial_pyramid_pool(x, SpatialPyramidPoolOptions().levels({1, 2, 4}));
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"

namespace graphpool {

template <class T>
Var<T> spatial_pyramid_pool(Var<T> x, const SpatialPyramidPoolOptions& options = {});

/// Forward only into `out` ([N, C * sum(l^2)], allocation reused).
template <class T>
void spatial_pyramid_pool(const Tensor<T>& x, const SpatialPyramidPoolOptions& options,
                          Tensor<T>& out);

/// Module form.  SpatialPyramidPool<float> spp;  Var<float> v = spp.forward(x);
template <class T>
class SpatialPyramidPool {
 public:
  explicit SpatialPyramidPool(SpatialPyramidPoolOptions options = {})
      : options_(std::move(options)) {}
  Var<T> forward(Var<T> x) const { return spatial_pyramid_pool(x, options_); }
  const SpatialPyramidPoolOptions& options() const { return options_; }

 private:
  SpatialPyramidPoolOptions options_;
};

}  // namespace graphpool
