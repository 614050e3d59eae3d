#pragma once
/// Autodiff-lite: an explicit tape of values and adjoints (no global state).
///
/// Each op computes its output and records a backward closure on the tape; `backward(loss)` seeds
/// the loss adjoint with 1 and runs the closures in reverse. Adjoints accumulate (+=), so a value
/// used twice receives the sum of both gradients. `clear()` forgets the nodes but keeps their
/// storage, so the same computation next step reuses it without reallocating.
///   Tape<double> tape;
///   Var<double> x = tape.leaf(Tensor<double>({2, 2}, 1.0));
///   Var<double> y = sum(mul(x, x));
///   tape.backward(y);              // tape.grad(x) == 2 x
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "core/parameter.hpp"
#include "core/tensor.hpp"

namespace graphpool {

template <class T>
class Tape;

/// A handle to a value on a tape: the tape and the node number. Cheap to copy.
template <class T>
struct Var {
  Tape<T>* tape = nullptr;
  std::int32_t id = -1;

  const Tensor<T>& value() const { return tape->value(*this); }
  const Shape& shape() const { return tape->value(*this).shape(); }
  /// The adjoint d loss / d this; valid after backward().
  const Tensor<T>& grad() const { return tape->grad(*this); }
  bool requires_grad() const { return tape->requires_grad(*this); }
};

template <class T>
class Tape {
 public:
  using Backward = std::function<void(Tape&)>;

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// A leaf holding a copy of `value`; its gradient is readable after backward().
  Var<T> leaf(const Tensor<T>& value, bool requires_grad = true);
  /// A leaf that never needs a gradient (inputs, labels as floats, masks).
  Var<T> constant(const Tensor<T>& value) { return leaf(value, false); }
  /// A leaf for a parameter: backward() adds its adjoint into `parameter.grad`.
  Var<T> parameter(Parameter<T>& parameter);

  // --- for op authors ---------------------------------------------------------------------
  /// A new node of `shape` whose value storage is reused from earlier steps (contents
  /// unspecified: the op writes every element). It requires a gradient if any input does.
  Var<T> make(Shape shape, std::initializer_list<Var<T>> inputs);
  Var<T> make(Shape shape, std::span<const Var<T>> inputs);
  /// Records the closure that propagates out's adjoint to its inputs (skipped when out needs no
  /// gradient). Inside, read tape.grad(out) and add into tape.grad(input) for inputs that
  /// requires_grad().
  void on_backward(Var<T> out, Backward backward);

  const Tensor<T>& value(Var<T> v) const { return node(v).value; }
  Tensor<T>& mutable_value(Var<T> v) { return node(v).value; }
  /// The adjoint of v; zero until something adds into it during backward (zeroed lazily, on the
  /// first access of the current backward pass, so only adjoints that are used are touched).
  Tensor<T>& grad(Var<T> v);
  const Tensor<T>& grad(Var<T> v) const { return const_cast<Tape*>(this)->grad(v); }
  /// For a backward closure that writes EVERY element of v's adjoint: the adjoint storage, and
  /// `fresh` = true when nothing was added into it yet in this backward pass. When fresh its
  /// contents are unspecified and the closure must assign (=) instead of accumulating (+=); this
  /// saves zeroing and re-reading it.
  ///   bool fresh;  Tensor<T>& dx = t.grad_for_write(x, fresh);  fresh ? dx = g : dx += g;
  Tensor<T>& grad_for_write(Var<T> v, bool& fresh);
  bool requires_grad(Var<T> v) const { return node(v).requires_grad; }

  /// Seeds d loss / d loss = 1 (loss must have one element) and runs the closures in reverse.
  void backward(Var<T> loss);
  /// Same with an explicit seed of out's shape: the gradients of sum(out * seed).
  void backward(Var<T> out, const Tensor<T>& seed);

  /// Forgets every node (keeps storage for reuse). Vars from before are invalid afterwards.
  void clear();
  /// Number of live nodes.
  std::int32_t size() const { return live_; }

 private:
  struct Node {
    Tensor<T> value;
    Tensor<T> grad;
    bool requires_grad = false;
    Parameter<T>* parameter = nullptr;
    std::uint64_t grad_pass = 0;  // grad is valid (zeroed or written) in backward pass number ..
  };
  struct Step {
    std::int32_t out;
    Backward backward;
  };
  Node& node(Var<T> v);
  const Node& node(Var<T> v) const;
  Var<T> push(Shape shape, bool requires_grad);
  void run_backward(std::int32_t last);

  // nodes_[0, live_) are live; the rest keep their storage for reuse. A deque, so references to
  // a node's value stay valid while later nodes are added.
  std::deque<Node> nodes_;
  std::int32_t live_ = 0;
  std::vector<Step> steps_;
  std::uint64_t pass_ = 1;  // number of the current (or next) backward pass; node grad_pass < it
};

extern template class Tape<float>;
extern template class Tape<double>;

}  // namespace graphpool
