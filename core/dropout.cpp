#include "core/dropout.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

template <class T>
Var<T> dropout(Var<T> x, T p, bool training, const CounterRng& rng) {
  if (!(p >= T(0) && p < T(1))) {
    throw ValueError("dropout: p must be in [0, 1), got " + std::to_string(p));
  }
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(x.shape(), {x});
  const Index n = x.value().numel();
  if (!training || p == T(0)) {
    std::copy_n(tape.value(x).data(), n, tape.mutable_value(out).data());
    tape.on_backward(out, [x, out](Tape<T>& t) {
      if (t.requires_grad(x)) t.grad(x).flat() += t.grad(out).flat();
    });
    return out;
  }
  // mask_i = [u_i >= p] / (1 - p), u_i drawn at element index i (thread-count independent)
  Tensor<T> mask(x.shape());
  const T keep_scale = T(1) / (T(1) - p);
  parallel_for(0, n, 4096, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      mask[i] = rng.uniform(static_cast<std::uint64_t>(i)) >= static_cast<double>(p) ? keep_scale : T(0);
    }
  });
  tape.mutable_value(out).flat() = tape.value(x).flat().cwiseProduct(mask.flat());
  // d out_i / d x_i = mask_i
  tape.on_backward(out, [x, out, mask = std::move(mask)](Tape<T>& t) {
    if (t.requires_grad(x)) t.grad(x).flat() += t.grad(out).flat().cwiseProduct(mask.flat());
  });
  return out;
}

template <class T>
Dropout<T>::Dropout(T p, Generator& gen) : p_(p), gen_(&gen) {
  if (!(p >= T(0) && p < T(1))) {
    throw ValueError("Dropout: p must be in [0, 1), got " + std::to_string(p));
  }
}

template <class T>
Var<T> Dropout<T>::forward(Var<T> x) {
  if (!this->is_training()) return dropout(x, p_, false, CounterRng(0, 0));
  return dropout(x, p_, true, gen_->next_stream());
}

template Var<float> dropout(Var<float>, float, bool, const CounterRng&);
template Var<double> dropout(Var<double>, double, bool, const CounterRng&);
template class Dropout<float>;
template class Dropout<double>;

}  // namespace graphpool
