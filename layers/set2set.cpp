#include "layers/set2set.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/init.hpp"
#include "core/ops.hpp"
#include "layers/readout.hpp"
#include "layers/readout_kernels.hpp"
#include "layers/select.hpp"

namespace graphpool {

template <class T>
Var<T> slice_cols(Var<T> x, Index begin, Index end) {
  if (x.tape == nullptr) throw ValueError("slice_cols: x is not on a tape");
  check_rank("slice_cols: x", x.shape(), 2);
  const Index R = x.shape()[0], C = x.shape()[1];
  if (begin < 0 || end > C || begin > end) {
    throw IndexError("slice_cols: columns [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") must lie in [0, " + std::to_string(C) + "]");
  }
  const Index W = end - begin;
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(Shape{R, W}, {x});
  // out[r, j] = x[r, begin + j]
  tape.mutable_value(out).matrix() = tape.value(x).matrix().middleCols(begin, W);
  tape.on_backward(out, [x, out, begin, W](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    t.grad(x).matrix().middleCols(begin, W) += std::as_const(t.grad(out)).matrix();
  });
  return out;
}

template <class T>
Set2Set<T>::Set2Set(const Set2SetOptions& options, Generator& gen) : options_(options) {
  const Index F = options.in_channels_;
  if (F < 1) throw ValueError("Set2Set: in_channels must be >= 1, got " + std::to_string(F));
  if (options.processing_steps_ < 0) {
    throw ValueError("Set2Set: processing_steps must be >= 0, got " +
                     std::to_string(options.processing_steps_));
  }
  // torch.nn.LSTM: every weight and bias U(-1/sqrt(hidden), 1/sqrt(hidden))
  const T bound = static_cast<T>(1.0 / std::sqrt(static_cast<double>(F)));
  auto uniform = [&](Shape shape) {
    Tensor<T> t(shape);
    uniform_fill(t, -bound, bound, gen.next_stream());
    return t;
  };
  weight_ih_ = &this->register_parameter("weight_ih", uniform(Shape{2 * F, 4 * F}));
  weight_hh_ = &this->register_parameter("weight_hh", uniform(Shape{F, 4 * F}));
  bias_ih_ = &this->register_parameter("bias_ih", uniform(Shape{4 * F}));
  bias_hh_ = &this->register_parameter("bias_hh", uniform(Shape{4 * F}));
}

template <class T>
Var<T> Set2Set<T>::forward(Var<T> x, std::span<const Index> node_ptr) {
  const char* what = "Set2Set";
  if (x.tape == nullptr) throw ValueError(std::string(what) + ": x is not on a tape");
  check_rank(what, x.shape(), 2);
  const Index F = options_.in_channels_;
  if (x.shape()[1] != F) {
    throw ShapeError(std::string(what) + ": x must have " + std::to_string(F) + " features, got " +
                     std::to_string(x.shape()[1]));
  }
  check_node_ptr(what, node_ptr, x.shape()[0]);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  Tape<T>& tape = *x.tape;
  // batch[i] = the graph of node i (gather_rows copies it)
  std::vector<Index> batch(static_cast<std::size_t>(x.shape()[0]));
  for (Index g = 0; g < G; ++g) {
    std::fill(batch.begin() + node_ptr[g], batch.begin() + node_ptr[g + 1], g);
  }
  Var<T> w_ih = tape.parameter(*weight_ih_), w_hh = tape.parameter(*weight_hh_);
  Var<T> b_ih = tape.parameter(*bias_ih_), b_hh = tape.parameter(*bias_hh_);
  Var<T> ones = tape.constant(Tensor<T>(Shape{F, 1}, T(1)));
  Var<T> h = tape.constant(Tensor<T>(Shape{G, F}));
  Var<T> c = h;
  Var<T> q_star = tape.constant(Tensor<T>(Shape{G, 2 * F}));
  for (Index step = 0; step < options_.processing_steps_; ++step) {
    // gates = q* W_ih + b_ih + h W_hh + b_hh, torch's order i, f, g, o
    Var<T> gates = add_bias(add_bias(add(matmul(q_star, w_ih), matmul(h, w_hh)), b_ih), b_hh);
    Var<T> in = sigmoid(slice_cols(gates, 0, F));
    Var<T> forget = sigmoid(slice_cols(gates, F, 2 * F));
    Var<T> cell = tanh(slice_cols(gates, 2 * F, 3 * F));
    Var<T> out = sigmoid(slice_cols(gates, 3 * F, 4 * F));
    // c = f c + i g, h = o tanh(c)
    c = add(mul(forget, c), mul(in, cell));
    h = mul(out, tanh(c));
    // e_i = x_i . q_{batch[i]}, a = softmax per graph, r = sum a_i x_i
    Var<T> e = matmul(mul(x, gather_rows(h, batch)), ones);
    Var<T> a = segment_softmax(e, node_ptr);
    Var<T> r = global_sum_pool(scale_rows(x, a), node_ptr);
    q_star = concat_cols({h, r});
  }
  return q_star;
}

#define GRAPHPOOL_INSTANTIATE(T)                       \
  template Var<T> slice_cols<T>(Var<T>, Index, Index); \
  template class Set2Set<T>;

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
