#pragma once
/// Parameter initialisers matching PyTorch's defaults.
///   kaiming_uniform(w, fan_in, gen.next_stream());   // nn.Linear weight
#include "core/random.hpp"
#include "core/tensor.hpp"

namespace graphpool {

/// U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)), a = sqrt(5): torch's
/// nn.Linear weight default, which reduces to b = 1 / sqrt(fan_in).
template <class T> void kaiming_uniform(Tensor<T>& weight, Index fan_in, const CounterRng& rng);
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): torch's nn.Linear bias default.
template <class T> void linear_bias_uniform(Tensor<T>& bias, Index fan_in, const CounterRng& rng);
/// Glorot / Xavier uniform U(-b, b), b = sqrt(6 / (fan_in + fan_out)): PyG GCNConv's weight.
template <class T>
void glorot_uniform(Tensor<T>& weight, Index fan_in, Index fan_out, const CounterRng& rng);
/// U(lo, hi) elementwise (element i from rng index i).
template <class T> void uniform_fill(Tensor<T>& t, T lo, T hi, const CounterRng& rng);

}  // namespace graphpool
