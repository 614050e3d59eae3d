#include "layers/gcn.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/init.hpp"
#include "core/ops.hpp"

namespace graphpool {

template <class T>
Var<T> gcn_propagate(Var<T> x, const GcnNorm<T>& norm) {
  Tape<T>& tape = *x.tape;
  check_rank("gcn_propagate: x", x.shape(), 2);
  if (x.shape()[0] != norm.num_nodes()) {
    throw ShapeError("gcn_propagate: x is " + x.shape().str() + " but the graph has " +
                     std::to_string(norm.num_nodes()) + " nodes");
  }
  Var<T> out = tape.make(x.shape(), {x});
  // out = A_hat x
  norm.propagate(tape.value(x).matrix(), tape.mutable_value(out).matrix());
  // d out / d x: dx += A_hat^T dout (a gather over the transposed CSR: no atomics)
  tape.on_backward(out, [x, out, norm](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Tensor<T>& dout = t.grad(out);
    norm.propagate_transpose(dout.matrix(), t.grad(x).matrix(), /*add=*/true);
  });
  return out;
}

namespace {

// Row blocks of the dense products: large enough that packing W once per block is cheap.
constexpr Index kGemmRows = 256;

// out = A_hat (x W) (+ b), one tape node; x W lives in a gradient-free node whose storage the
// tape reuses, and backward reuses it again for A_hat^T dout.
template <class T>
Var<T> gcn_conv_impl(Var<T> x, const GcnNorm<T>& norm, Var<T> weight, const Var<T>* bias) {
  Tape<T>& tape = *x.tape;
  check_rank("gcn_conv: x", x.shape(), 2);
  check_rank("gcn_conv: weight", weight.shape(), 2);
  const Index N = x.shape()[0], in = x.shape()[1], out_c = weight.shape()[1];
  if (weight.shape()[0] != in) {
    throw ShapeError("gcn_conv: x is " + x.shape().str() + " and weight is " +
                     weight.shape().str() + "; weight must have x's " + std::to_string(in) +
                     " columns as rows");
  }
  if (N != norm.num_nodes()) {
    throw ShapeError("gcn_conv: x is " + x.shape().str() + " but the graph has " +
                     std::to_string(norm.num_nodes()) + " nodes");
  }
  if (bias && bias->value().numel() != out_c) {
    throw ShapeError("gcn_conv: bias must have " + std::to_string(out_c) +
                     " elements but has shape " + bias->shape().str());
  }
  Var<T> xw = tape.make(Shape{N, out_c}, std::span<const Var<T>>{});  // scratch, no gradient
  Var<T> out = bias ? tape.make(Shape{N, out_c}, {x, weight, *bias})
                    : tape.make(Shape{N, out_c}, {x, weight});
  {
    const auto xv = tape.value(x).matrix();
    const auto wv = tape.value(weight).matrix();
    auto xwv = tape.mutable_value(xw).matrix();
    // xw = x W, by fixed row blocks
    parallel_for(0, N, kGemmRows, [&](Index lo, Index hi) {
      xwv.middleRows(lo, hi - lo).noalias() = xv.middleRows(lo, hi - lo) * wv;
    });
    // out = A_hat xw + b
    std::span<const T> b;
    if (bias) b = tape.value(*bias).values();
    norm.propagate(tape.value(xw).matrix(), tape.mutable_value(out).matrix(), false, b);
  }
  const bool has_bias = bias != nullptr;
  const Var<T> bias_var = has_bias ? *bias : Var<T>{};
  // g = A_hat^T dout;  dx += g W^T;  dW += x^T g;  db += column sums of dout
  tape.on_backward(out, [x, weight, bias_var, has_bias, xw, out, norm, N, in, out_c](Tape<T>& t) {
    const Tensor<T>& dout = t.grad(out);
    if (has_bias && t.requires_grad(bias_var)) {
      using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
      Row db = parallel_reduce(
          Index{0}, N, kGemmRows, Row(Row::Zero(out_c)),
          [&](Index lo, Index hi) -> Row {
            return dout.matrix().middleRows(lo, hi - lo).colwise().sum();
          },
          [](Row acc, const Row& part) {
            acc += part;
            return acc;
          });
      t.grad(bias_var).flat() += db.transpose();
    }
    const bool need_x = t.requires_grad(x), need_w = t.requires_grad(weight);
    if (!need_x && !need_w) return;
    Tensor<T>& g = t.mutable_value(xw);  // x W is not needed any more: reuse its storage
    norm.propagate_transpose(dout.matrix(), g.matrix());
    const Tensor<T>& gc = g;
    if (need_x) {
      auto dx = t.grad(x).matrix();
      const auto wv = t.value(weight).matrix();
      parallel_for(0, N, kGemmRows, [&](Index lo, Index hi) {
        dx.middleRows(lo, hi - lo).noalias() +=
            gc.matrix().middleRows(lo, hi - lo) * wv.transpose();
      });
    }
    if (need_w) {
      const auto xv = t.value(x).matrix();
      // fixed-order sum of per-block products: identical bits for any thread count
      RowMatrix<T> dw = parallel_reduce(
          Index{0}, N, kGemmRows, RowMatrix<T>(RowMatrix<T>::Zero(in, out_c)),
          [&](Index lo, Index hi) -> RowMatrix<T> {
            return xv.middleRows(lo, hi - lo).transpose() * gc.matrix().middleRows(lo, hi - lo);
          },
          [](RowMatrix<T> acc, const RowMatrix<T>& part) {
            acc += part;
            return acc;
          });
      t.grad(weight).matrix() += dw;
    }
  });
  return out;
}

}  // namespace

template <class T>
Var<T> gcn_conv(Var<T> x, const GcnNorm<T>& norm, Var<T> weight) {
  // A_hat (x W): the product first, as PyG (cheaper when out < in)
  return gcn_conv_impl<T>(x, norm, weight, nullptr);
}

template <class T>
Var<T> gcn_conv(Var<T> x, const GcnNorm<T>& norm, Var<T> weight, Var<T> bias) {
  return gcn_conv_impl<T>(x, norm, weight, &bias);
}

template <class T>
GcnConv<T>::GcnConv(const GcnConvOptions& options, Generator& gen) : options_(options) {
  if (options.in_channels_ < 1 || options.out_channels_ < 1) {
    throw ValueError("GcnConv: channels must be >= 1, got in " +
                     std::to_string(options.in_channels_) + " and out " +
                     std::to_string(options.out_channels_));
  }
  Tensor<T> w(Shape{options.in_channels_, options.out_channels_});
  glorot_uniform(w, options.in_channels_, options.out_channels_, gen.next_stream());
  weight_ = &this->register_parameter("weight", std::move(w));
  if (options.bias_) {
    bias_ = &this->register_parameter("bias", Tensor<T>(Shape{options.out_channels_}));
  }
}

template <class T>
Var<T> GcnConv<T>::forward(Var<T> x, const GcnNorm<T>& norm) {
  Tape<T>& tape = *x.tape;
  Var<T> w = tape.parameter(*weight_);
  return bias_ ? gcn_conv(x, norm, w, tape.parameter(*bias_)) : gcn_conv(x, norm, w);
}

#define GRAPHPOOL_INSTANTIATE_GCN(T)                                   \
  template Var<T> gcn_propagate(Var<T>, const GcnNorm<T>&);            \
  template Var<T> gcn_conv(Var<T>, const GcnNorm<T>&, Var<T>);         \
  template Var<T> gcn_conv(Var<T>, const GcnNorm<T>&, Var<T>, Var<T>); \
  template class GcnConv<T>;

GRAPHPOOL_INSTANTIATE_GCN(float)
GRAPHPOOL_INSTANTIATE_GCN(double)

}  // namespace graphpool
