#include "layers/gcn.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/gemm.hpp"
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
    bool fresh = false;
    Tensor<T>& dx = t.grad_for_write(x, fresh);
    norm.propagate_transpose(dout.matrix(), dx.matrix(), /*add=*/!fresh);
  });
  return out;
}

namespace {

// out = A_hat (x W) (+ b), one tape node. By associativity A_hat (x W) == (A_hat x) W, so the
// sparse aggregation runs on the narrower side: on x W when out <= in (PyG's order), on x when
// in < out (the first layer of a model on one-hot labels: 3 columns instead of 128). The two
// orders are the same algebra and differ only in rounding. The intermediate (x W or A_hat x)
// lives in a gradient-free node whose storage the tape reuses, and backward reuses it again.
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
  const bool aggregate_first = in < out_c;
  // scratch: A_hat x [N, in] when aggregating first, else x W [N, out]; no gradient
  Var<T> mid = tape.make(Shape{N, aggregate_first ? in : out_c}, std::span<const Var<T>>{});
  Var<T> out = bias ? tape.make(Shape{N, out_c}, {x, weight, *bias})
                    : tape.make(Shape{N, out_c}, {x, weight});
  {
    const auto wv = tape.value(weight).matrix();
    auto midv = tape.mutable_value(mid).matrix();
    auto y = tape.mutable_value(out).matrix();
    std::span<const T> b;
    if (bias) b = tape.value(*bias).values();
    if (aggregate_first) {
      // mid = A_hat x;  out = mid W + b
      norm.propagate(tape.value(x).matrix(), midv);
      if (b.empty()) {
        gemm_nn<T>(tape.value(mid).matrix(), wv, y);
      } else {
        gemm_nn_bias<T>(tape.value(mid).matrix(), wv, b, y);
      }
    } else {
      // mid = x W;  out = A_hat mid + b
      gemm_nn<T>(tape.value(x).matrix(), wv, midv);
      norm.propagate(tape.value(mid).matrix(), y, false, b);
    }
  }
  const bool has_bias = bias != nullptr;
  const Var<T> bias_var = has_bias ? *bias : Var<T>{};
  tape.on_backward(
      out, [x, weight, bias_var, has_bias, mid, out, norm, aggregate_first](Tape<T>& t) {
        const Tensor<T>& dout = t.grad(out);
        bool fresh = false;
        // db (+)= column sums of dout
        if (has_bias && t.requires_grad(bias_var)) {
          Tensor<T>& dbias = t.grad_for_write(bias_var, fresh);
          column_sums<T>(dout.matrix(), dbias.values(), write_mode(fresh));
        }
        const bool need_x = t.requires_grad(x), need_w = t.requires_grad(weight);
        if (!need_x && !need_w) return;
        Tensor<T>& scratch = t.mutable_value(mid);
        const auto wv = t.value(weight).matrix();
        if (aggregate_first) {
          // dW (+)= (A_hat x)^T dout;  g = dout W^T;  dx (+)= A_hat^T g
          if (need_w) {
            Tensor<T>& dw = t.grad_for_write(weight, fresh);
            gemm_tn<T>(scratch.matrix(), dout.matrix(), dw.matrix(), write_mode(fresh));
          }
          if (need_x) {
            gemm_nt<T>(dout.matrix(), wv, scratch.matrix());
            Tensor<T>& dx = t.grad_for_write(x, fresh);
            norm.propagate_transpose(scratch.matrix(), dx.matrix(), /*add=*/!fresh);
          }
        } else {
          // g = A_hat^T dout (into the storage of x W, not needed any more);  dx (+)= g W^T;
          // dW (+)= x^T g
          norm.propagate_transpose(dout.matrix(), scratch.matrix());
          const Tensor<T>& g = scratch;
          if (need_x) {
            Tensor<T>& dx = t.grad_for_write(x, fresh);
            gemm_nt<T>(g.matrix(), wv, dx.matrix(), write_mode(fresh));
          }
          if (need_w) {
            Tensor<T>& dw = t.grad_for_write(weight, fresh);
            gemm_tn<T>(t.value(x).matrix(), g.matrix(), dw.matrix(), write_mode(fresh));
          }
        }
      });
  return out;
}

}  // namespace

template <class T>
Var<T> gcn_conv(Var<T> x, const GcnNorm<T>& norm, Var<T> weight) {
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
