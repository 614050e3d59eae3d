#include "core/loss.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace graphpool {

template <class T>
Var<T> log_softmax(Var<T> x) {
  Tape<T>& tape = *x.tape;
  check_rank("log_softmax: x", x.shape(), 2);
  Var<T> out = tape.make(x.shape(), {x});
  {
    const auto xv = tape.value(x).matrix();
    auto y = tape.mutable_value(out).matrix();
    // y_rc = x_rc - m_r - log sum_c' exp(x_rc' - m_r), m_r = max_c x_rc
    parallel_for(0, xv.rows(), 256, [&](Index lo, Index hi) {
      for (Index r = lo; r < hi; ++r) {
        T m = xv(r, 0);
        for (Index c = 1; c < xv.cols(); ++c) m = std::max(m, xv(r, c));
        // Summed left to right (an Eigen reduction's order would depend on alignment).
        T total = 0;
        for (Index c = 0; c < xv.cols(); ++c) total += std::exp(xv(r, c) - m);
        const T log_sum = std::log(total);
        for (Index c = 0; c < xv.cols(); ++c) y(r, c) = xv(r, c) - m - log_sum;
      }
    });
  }
  // dx_rc = dy_rc - softmax_rc * sum_c' dy_rc'
  tape.on_backward(out, [x, out](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const auto y = t.value(out).matrix();
    const auto dy = t.grad(out).matrix();
    auto dx = t.grad(x).matrix();
    for (Index r = 0; r < y.rows(); ++r) {
      T total = 0;
      for (Index c = 0; c < dy.cols(); ++c) total += dy(r, c);
      for (Index c = 0; c < dy.cols(); ++c) dx(r, c) += dy(r, c) - std::exp(y(r, c)) * total;
    }
  });
  return out;
}

template <class T>
Var<T> nll_loss(Var<T> log_probs, std::span<const Index> targets) {
  Tape<T>& tape = *log_probs.tape;
  check_rank("nll_loss: log_probs", log_probs.shape(), 2);
  const Index rows = log_probs.shape()[0], classes = log_probs.shape()[1];
  if (static_cast<Index>(targets.size()) != rows) {
    throw ShapeError("nll_loss: log_probs is " + log_probs.shape().str() + " but " +
                     std::to_string(targets.size()) + " targets were given");
  }
  if (rows == 0) throw ValueError("nll_loss: empty batch (0 rows)");
  for (std::size_t r = 0; r < targets.size(); ++r) {
    if (targets[r] < 0 || targets[r] >= classes) {
      throw IndexError("nll_loss: target[" + std::to_string(r) + "] = " +
                       std::to_string(targets[r]) + " is outside [0, " + std::to_string(classes) +
                       ")");
    }
  }
  std::vector<Index> labels(targets.begin(), targets.end());
  Var<T> out = tape.make(Shape{}, {log_probs});
  // loss = -(1/R) sum_r log_probs[r, target_r]
  T total = 0;
  const auto lp = tape.value(log_probs).matrix();
  for (Index r = 0; r < rows; ++r) total -= lp(r, labels[static_cast<std::size_t>(r)]);
  tape.mutable_value(out)[0] = total / T(rows);
  // d loss / d log_probs[r, target_r] = -1/R
  tape.on_backward(out, [log_probs, out, labels = std::move(labels)](Tape<T>& t) {
    if (!t.requires_grad(log_probs)) return;
    auto d = t.grad(log_probs).matrix();
    const T g = t.grad(out)[0] / T(labels.size());
    for (std::size_t r = 0; r < labels.size(); ++r) d(static_cast<Index>(r), labels[r]) -= g;
  });
  return out;
}

template <class T>
Var<T> cross_entropy(Var<T> logits, std::span<const Index> targets) {
  return nll_loss(log_softmax(logits), targets);
}

#define GRAPHPOOL_INSTANTIATE_LOSS(T)                                \
  template Var<T> log_softmax(Var<T>);                               \
  template Var<T> nll_loss(Var<T>, std::span<const Index>);          \
  template Var<T> cross_entropy(Var<T>, std::span<const Index>);

GRAPHPOOL_INSTANTIATE_LOSS(float)
GRAPHPOOL_INSTANTIATE_LOSS(double)

}  // namespace graphpool
