#include "core/tape.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace graphpool {

template <class T>
typename Tape<T>::Node& Tape<T>::node(Var<T> v) {
  if (v.tape != this || v.id < 0 || v.id >= live_) {
    throw IndexError("Tape: Var " + std::to_string(v.id) + " is not a live node of this tape (" +
                     std::to_string(live_) + " nodes)");
  }
  return nodes_[static_cast<std::size_t>(v.id)];
}

template <class T>
const typename Tape<T>::Node& Tape<T>::node(Var<T> v) const {
  return const_cast<Tape*>(this)->node(v);
}

template <class T>
Var<T> Tape<T>::push(Shape shape, bool requires_grad) {  // by value: shape may refer into nodes_
  if (static_cast<std::size_t>(live_) == nodes_.size()) nodes_.emplace_back();
  Node& n = nodes_[static_cast<std::size_t>(live_)];
  n.value.resize(shape);  // reuses the allocation of the node that had this number last step
  n.requires_grad = requires_grad;
  n.parameter = nullptr;
  n.grad_pass = 0;  // its adjoint is stale until the next backward touches it
  return Var<T>{this, live_++};
}

template <class T>
Tensor<T>& Tape<T>::grad(Var<T> v) {
  Node& n = node(v);
  if (n.grad_pass != pass_) {
    // first use in this pass: d loss / d v starts at zero (storage reused across steps)
    n.grad.resize(n.value.shape());
    // adjoint = 0, in parallel chunks (like the copies below): a batch's [nodes, 128] adjoint is
    // megabytes, which one thread would clear while the other waits
    T* data = n.grad.data();
    parallel_for_elements(n.grad.numel(),
                          [data](Index lo, Index hi) { std::fill(data + lo, data + hi, T(0)); });
    n.grad_pass = pass_;
  }
  return n.grad;
}

template <class T>
Tensor<T>& Tape<T>::grad_for_write(Var<T> v, bool& fresh) {
  Node& n = node(v);
  fresh = n.grad_pass != pass_;
  if (fresh) {
    n.grad.resize(n.value.shape());  // contents unspecified: the caller assigns every element
    n.grad_pass = pass_;
  }
  return n.grad;
}

template <class T>
Var<T> Tape<T>::leaf(const Tensor<T>& value, bool requires_grad) {
  Var<T> v = push(value.shape(), requires_grad);
  const T* src = value.data();
  T* dst = nodes_[static_cast<std::size_t>(v.id)].value.data();
  parallel_for_elements(value.numel(),
                        [&](Index lo, Index hi) { std::copy(src + lo, src + hi, dst + lo); });
  return v;
}

template <class T>
Var<T> Tape<T>::parameter(Parameter<T>& parameter) {
  Var<T> v = leaf(parameter.value, true);
  nodes_[static_cast<std::size_t>(v.id)].parameter = &parameter;
  return v;
}

template <class T>
Var<T> Tape<T>::make(Shape shape, std::initializer_list<Var<T>> inputs) {
  return make(shape, std::span<const Var<T>>(inputs.begin(), inputs.size()));
}

template <class T>
Var<T> Tape<T>::make(Shape shape, std::span<const Var<T>> inputs) {
  bool needs = false;
  for (const Var<T>& in : inputs) needs = needs || node(in).requires_grad;
  return push(shape, needs);
}

template <class T>
void Tape<T>::on_backward(Var<T> out, Backward backward) {
  if (!node(out).requires_grad) return;
  steps_.push_back(Step{out.id, std::move(backward)});
}

template <class T>
void Tape<T>::backward(Var<T> loss) {
  if (node(loss).value.numel() != 1) {
    throw ShapeError("Tape::backward: the loss must have one element but has shape " +
                     node(loss).value.shape().str() + "; pass a seed gradient for other shapes");
  }
  Tensor<T> seed(node(loss).value.shape(), T(1));
  backward(loss, seed);
}

template <class T>
void Tape<T>::backward(Var<T> out, const Tensor<T>& seed) {
  check_same_shape("Tape::backward seed", node(out).value.shape(), seed.shape());
  // A new pass: every adjoint is zero again. They are zeroed lazily on first use (Tape::grad),
  // so adjoints nothing writes to are never touched.
  ++pass_;
  if (!node(out).requires_grad) return;
  // d out / d out = seed (1 for a scalar loss).
  bool fresh = false;
  T* root = grad_for_write(out, fresh).data();
  const T* seed_values = seed.data();
  parallel_for_elements(seed.numel(), [&](Index lo, Index hi) {
    std::copy(seed_values + lo, seed_values + hi, root + lo);
  });
  run_backward(out.id);
  for (std::int32_t i = 0; i < live_; ++i) {
    Node& n = nodes_[static_cast<std::size_t>(i)];
    // a parameter nothing reached has a zero adjoint: nothing to add
    if (n.parameter != nullptr && n.grad_pass == pass_) {
      const T* g = n.grad.data();
      T* sum = n.parameter->grad.data();
      parallel_for_elements(n.grad.numel(), [&](Index lo, Index hi) {
        for (Index j = lo; j < hi; ++j) sum[j] += g[j];
      });
    }
  }
}

template <class T>
void Tape<T>::run_backward(std::int32_t last) {
  // Closures run in reverse recording order; those recorded after `last` cannot reach it, and
  // those whose output adjoint nothing wrote (still zero) would add zeros: both are skipped.
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    if (it->out > last) continue;
    if (nodes_[static_cast<std::size_t>(it->out)].grad_pass != pass_) continue;
    it->backward(*this);
  }
}

template <class T>
void Tape<T>::clear() {
  live_ = 0;
  steps_.clear();  // keeps capacity
}

template class Tape<float>;
template class Tape<double>;

}  // namespace graphpool
