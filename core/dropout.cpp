#include "core/dropout.hpp"

#include <string>

#include "core/errors.hpp"

namespace graphpool {

namespace {

// mask_i = [(bits_i >> 11) >= threshold] keep_scale, out_i = x_i mask_i for i in [lo, hi): a
// function of plain values (not a lambda's captures), so that GCC vectorises it.
template <class T>
void draw_mask(CounterRng rng, std::uint64_t threshold, T keep_scale, const T* __restrict x,
               T* __restrict mask, T* __restrict out, Index lo, Index hi) {
  for (Index i = lo; i < hi; ++i) {
    mask[i] = (rng.bits(static_cast<std::uint64_t>(i)) >> 11) >= threshold ? keep_scale : T(0);
    out[i] = x[i] * mask[i];
  }
}

}  // namespace

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
  // mask_i = [u_i >= p] / (1 - p), u_i drawn at element index i (thread-count independent);
  // out_i = x_i mask_i. u_i >= p is compared as the integer (bits_i >> 11) >= ceil(p 2^53).
  Tensor<T> mask = Tensor<T>::uninitialized(x.shape());
  const T keep_scale = T(1) / (T(1) - p);
  const std::uint64_t threshold = uniform_threshold(static_cast<double>(p));
  {
    const T* xv = tape.value(x).data();
    T* y = tape.mutable_value(out).data();
    T* m = mask.data();
    parallel_for_elements(
        n, [&](Index lo, Index hi) { draw_mask(rng, threshold, keep_scale, xv, m, y, lo, hi); });
  }
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
