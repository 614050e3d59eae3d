#pragma once
/// Adaptive max and average pooling to a fixed output size (F.adaptive_max_pool2d /
/// F.adaptive_avg_pool2d): bin i of n along an axis of length L covers
/// [floor(i L / n), ceil((i + 1) L / n)); bins may overlap when L is not a multiple of n.
///   Var<float> y = adaptive_avg_pool2d(x, {4, 5});   // [N, C, 4, 5]
#include "core/tape.hpp"
#include "layers/max_pool2d.hpp"

namespace graphpool {

template <class T>
MaxPool2dResult<T> adaptive_max_pool2d_with_indices(Var<T> x, Size2 output_size);
template <class T>
Var<T> adaptive_max_pool2d(Var<T> x, Size2 output_size);
template <class T>
Var<T> adaptive_avg_pool2d(Var<T> x, Size2 output_size);

}  // namespace graphpool
