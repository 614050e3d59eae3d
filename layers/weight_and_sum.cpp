#include "layers/weight_and_sum.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"

namespace graphpool {

template <class T>
WeightAndSum<T>::WeightAndSum(const WeightAndSumOptions& options, Generator& gen)
    : options_(options), atom_weighting_(LinearOptions(options.in_features_, 1), gen) {
  this->register_module("atom_weighting", atom_weighting_);
}

template <class T>
Var<T> WeightAndSum<T>::weights(Var<T> x) {
  if (x.tape == nullptr) throw ValueError("WeightAndSum: x is not on a tape");
  check_rank("WeightAndSum: x", x.shape(), 2);
  if (x.shape()[1] != options_.in_features_) {
    throw ShapeError("WeightAndSum: x must have " + std::to_string(options_.in_features_) +
                     " features, got " + std::to_string(x.shape()[1]));
  }
  // w_i = sigmoid(x_i W + b)
  return sigmoid(atom_weighting_.forward(x));
}

template <class T>
Var<T> WeightAndSum<T>::forward(Var<T> x, std::span<const Index> node_ptr) {
  // out[g] = sum_{i in g} w_i x_i
  return global_sum_pool(scale_rows(x, weights(x)), node_ptr);
}

template class WeightAndSum<float>;
template class WeightAndSum<double>;

}  // namespace graphpool
