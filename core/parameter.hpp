#pragma once
/// A trainable tensor and its accumulated gradient.
///   Parameter<float> w{"weight", Tensor<float>({3, 4})};
#include <string>

#include "core/tensor.hpp"

namespace graphpool {

template <class T>
struct Parameter {
  Parameter(std::string name, Tensor<T> value)
      : name(std::move(name)), value(std::move(value)), grad(this->value.shape()) {}
  std::string name;  ///< dotted path inside its module ("conv1.weight")
  Tensor<T> value;
  Tensor<T> grad;  ///< summed over every backward() since the last zero_grad()
};

}  // namespace graphpool
