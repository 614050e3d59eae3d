#include "core/linear.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/gemm.hpp"
#include "core/init.hpp"

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
  check_rank("Linear: x", x.shape(), 2);
  const Index R = x.shape()[0], in = options_.in_features_, out_c = options_.out_features_;
  if (x.shape()[1] != in) {
    throw ShapeError("Linear: expected x of [rows, " + std::to_string(in) + "] but got " +
                     x.shape().str());
  }
  const Var<T> w = tape.parameter(*weight_);
  const bool has_bias = bias_ != nullptr;
  const Var<T> b = has_bias ? tape.parameter(*bias_) : Var<T>{};
  Var<T> y = has_bias ? tape.make(Shape{R, out_c}, {x, w, b}) : tape.make(Shape{R, out_c}, {x, w});
  // y = x W + b  (one node: the bias rows are written first and the product added per row block)
  if (has_bias) {
    gemm_nn_bias<T>(tape.value(x).matrix(), tape.value(w).matrix(), tape.value(b).values(),
                    tape.mutable_value(y).matrix());
  } else {
    gemm_nn<T>(tape.value(x).matrix(), tape.value(w).matrix(), tape.mutable_value(y).matrix());
  }
  // dx (+)= dy W^T;  dW (+)= x^T dy;  db (+)= column sums of dy
  tape.on_backward(y, [x, w, b, y, has_bias](Tape<T>& t) {
    const auto dy = t.grad(y).matrix();
    bool fresh = false;
    if (t.requires_grad(x)) {
      Tensor<T>& dx = t.grad_for_write(x, fresh);
      gemm_nt<T>(dy, t.value(w).matrix(), dx.matrix(), write_mode(fresh));
    }
    if (t.requires_grad(w)) {
      Tensor<T>& dw = t.grad_for_write(w, fresh);
      gemm_tn<T>(t.value(x).matrix(), dy, dw.matrix(), write_mode(fresh));
    }
    if (has_bias && t.requires_grad(b)) {
      Tensor<T>& dbias = t.grad_for_write(b, fresh);
      column_sums<T>(dy, dbias.values(), write_mode(fresh));
    }
  });
  return y;
}

template class Linear<float>;
template class Linear<double>;

}  // namespace graphpool
