#pragma once
/// Inverted dropout, seeded and thread-count independent: element i is dropped when
/// rng.uniform(i) < p; kept elements are scaled by 1 / (1 - p). Identity in eval mode.
///   Dropout<float> drop(0.5, gen);   Var<float> y = drop.forward(x);
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

/// Functional form: a fresh mask from `rng` when training, identity otherwise.
template <class T> Var<T> dropout(Var<T> x, T p, bool training, const CounterRng& rng);

template <class T>
class Dropout : public Module<T> {
 public:
  /// p in [0, 1); draws a new stream from `gen` at each training forward.
  Dropout(T p, Generator& gen);
  Var<T> forward(Var<T> x);

 private:
  T p_;
  Generator* gen_;
};

extern template class Dropout<float>;
extern template class Dropout<double>;

}  // namespace graphpool
