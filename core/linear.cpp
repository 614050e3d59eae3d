#include "core/linear.hpp"

#include "core/init.hpp"
#include "core/ops.hpp"

namespace graphpool {

template <class T>
Linear<T>::Linear(const LinearOptions& options, Generator& gen) : options_(options) {
  Tensor<T> w(Shape{options.in_features_, options.out_features_});
  kaiming_uniform(w, options.in_features_, gen.next_stream());
  weight_ = &this->register_parameter("weight", std::move(w));
  if (options.bias_) {
    Tensor<T> b(Shape{options.out_features_});
    linear_bias_uniform(b, options.in_features_, gen.next_stream());
    bias_ = &this->register_parameter("bias", std::move(b));
  }
}

template <class T>
Var<T> Linear<T>::forward(Var<T> x) {
  Tape<T>& tape = *x.tape;
  // y = x W + b
  Var<T> y = matmul(x, tape.parameter(*weight_));
  return bias_ ? add_bias(y, tape.parameter(*bias_)) : y;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace graphpool
