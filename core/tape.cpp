#include "core/tape.hpp"

#include <string>

#include "core/errors.hpp"

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
  return Var<T>{this, live_++};
}

template <class T>
Var<T> Tape<T>::leaf(const Tensor<T>& value, bool requires_grad) {
  Var<T> v = push(value.shape(), requires_grad);
  Tensor<T>& dst = nodes_[static_cast<std::size_t>(v.id)].value;
  std::copy(value.data(), value.data() + value.numel(), dst.data());
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
  // Adjoints start at zero for every node that needs one (storage reused across steps).
  for (std::int32_t i = 0; i < live_; ++i) {
    Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.requires_grad) {
      n.grad.resize(n.value.shape());
      n.grad.set_zero();
    }
  }
  Node& root = node(out);
  if (!root.requires_grad) return;
  // d out / d out = seed (1 for a scalar loss).
  root.grad.flat() += seed.flat();
  run_backward(out.id);
  for (std::int32_t i = 0; i < live_; ++i) {
    Node& n = nodes_[static_cast<std::size_t>(i)];
    if (n.parameter != nullptr) n.parameter->grad.flat() += n.grad.flat();
  }
}

template <class T>
void Tape<T>::run_backward(std::int32_t last) {
  // Closures run in reverse recording order; those recorded after `last` cannot reach it.
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    if (it->out > last) continue;
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
