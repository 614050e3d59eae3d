#include "layers/adaptive_pool2d.hpp"

#include "layers/avg_pool2d.hpp"

namespace graphpool {

template <class T>
MaxPool2dResult<T> adaptive_max_pool2d_with_indices(Var<T> x, Size2 output_size) {
  check_pool_input("adaptive_max_pool2d", x.shape());
  return max_pool2d_on_grid(
      x, adaptive_grid("adaptive_max_pool2d", x.shape()[2], x.shape()[3], output_size));
}

template <class T>
Var<T> adaptive_max_pool2d(Var<T> x, Size2 output_size) {
  check_pool_input("adaptive_max_pool2d", x.shape());
  return max_pool2d_values_on_grid(
      x, adaptive_grid("adaptive_max_pool2d", x.shape()[2], x.shape()[3], output_size));
}

template <class T>
Var<T> adaptive_avg_pool2d(Var<T> x, Size2 output_size) {
  check_pool_input("adaptive_avg_pool2d", x.shape());
  return avg_pool2d_on_grid(
      x, adaptive_grid("adaptive_avg_pool2d", x.shape()[2], x.shape()[3], output_size), false);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                  \
  template MaxPool2dResult<T> adaptive_max_pool2d_with_indices<T>(Var<T>, Size2); \
  template Var<T> adaptive_max_pool2d<T>(Var<T>, Size2);                          \
  template Var<T> adaptive_avg_pool2d<T>(Var<T>, Size2);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
