#include "core/init.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"

namespace graphpool {

template <class T>
void uniform_fill(Tensor<T>& t, T lo, T hi, const CounterRng& rng) {
  // t_i = lo + (hi - lo) u_i, u_i = U[0, 1) drawn at index i
  for (Index i = 0; i < t.numel(); ++i) {
    t[i] = static_cast<T>(lo + (hi - lo) * static_cast<T>(rng.uniform(static_cast<std::uint64_t>(i))));
  }
}

template <class T>
void kaiming_uniform(Tensor<T>& weight, Index fan_in, const CounterRng& rng) {
  if (fan_in <= 0) throw ValueError("kaiming_uniform: fan_in must be > 0, got " + std::to_string(fan_in));
  // gain = sqrt(2 / (1 + a^2)) with a = sqrt(5); bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
  const double a = std::sqrt(5.0);
  const double gain = std::sqrt(2.0 / (1.0 + a * a));
  const T bound = static_cast<T>(gain * std::sqrt(3.0 / static_cast<double>(fan_in)));
  uniform_fill(weight, -bound, bound, rng);
}

template <class T>
void linear_bias_uniform(Tensor<T>& bias, Index fan_in, const CounterRng& rng) {
  if (fan_in <= 0) throw ValueError("linear_bias_uniform: fan_in must be > 0, got " + std::to_string(fan_in));
  const T bound = static_cast<T>(1.0 / std::sqrt(static_cast<double>(fan_in)));
  uniform_fill(bias, -bound, bound, rng);
}

template <class T>
void glorot_uniform(Tensor<T>& weight, Index fan_in, Index fan_out, const CounterRng& rng) {
  if (fan_in + fan_out <= 0) throw ValueError("glorot_uniform: fan_in + fan_out must be > 0");
  // bound = sqrt(6 / (fan_in + fan_out))
  const T bound = static_cast<T>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
  uniform_fill(weight, -bound, bound, rng);
}

#define GRAPHPOOL_INSTANTIATE_INIT(T)                                          \
  template void uniform_fill(Tensor<T>&, T, T, const CounterRng&);             \
  template void kaiming_uniform(Tensor<T>&, Index, const CounterRng&);         \
  template void linear_bias_uniform(Tensor<T>&, Index, const CounterRng&);     \
  template void glorot_uniform(Tensor<T>&, Index, Index, const CounterRng&);

GRAPHPOOL_INSTANTIATE_INIT(float)
GRAPHPOOL_INSTANTIATE_INIT(double)

}  // namespace graphpool
