#pragma once
/// Global max and average pooling: [N, C, H, W] -> [N, C], one window over the whole plane.
/// Max sends the gradient to the first arg-max (row-major; torch's amax would split ties).
///   Var<float> v = global_avg_pool2d(x);   // [N, C]
#include "core/tape.hpp"

namespace graphpool {

template <class T>
Var<T> global_max_pool2d(Var<T> x);
template <class T>
Var<T> global_avg_pool2d(Var<T> x);

/// Forward only into `out` ([N, C], allocation reused).
template <class T>
void global_max_pool2d(const Tensor<T>& x, Tensor<T>& out);
template <class T>
void global_avg_pool2d(const Tensor<T>& x, Tensor<T>& out);

}  // namespace graphpool
