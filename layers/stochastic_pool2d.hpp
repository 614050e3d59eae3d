#pragma once
/// Stochastic pooling (Zeiler and Fergus 2013) on [N, C, H, W] of non-negative activations (after
/// a ReLU). Training: each window outputs one of its elements, drawn with probability
/// a_i / sum(a) by the counter generator at the output's flat NCHW index (so the result does not
/// depend on the thread count), gradient to that element; an all-zero window gives 0. Eval: the
/// probability-weighted average sum(a_i^2) / sum(a). A negative (or NaN) input is a ValueError
/// naming the value and its position.
///   Generator gen(42);
///   Var<float> y = stochastic_pool2d(x, StochasticPool2dOptions(2), gen.next_stream());  // train
///   Var<float> z = stochastic_pool2d(x, StochasticPool2dOptions(2), std::nullopt);       // eval
#include <optional>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"

namespace graphpool {

/// Training with rng, eval (expectation) without.
template <class T>
Var<T> stochastic_pool2d(Var<T> x, const StochasticPool2dOptions& options,
                         std::optional<CounterRng> rng);

/// Module: draws a fresh stream from `generator` at each training forward; eval without
/// randomness. The generator must outlive the module.
template <class T>
class StochasticPool2d : public Module<T> {
 public:
  StochasticPool2d(StochasticPool2dOptions options, Generator& generator)
      : options_(std::move(options)), generator_(&generator) {}
  Var<T> forward(Var<T> x) {
    return stochastic_pool2d(
        x, options_,
        this->is_training() ? std::optional<CounterRng>(generator_->next_stream()) : std::nullopt);
  }
  const StochasticPool2dOptions& options() const { return options_; }

 private:
  StochasticPool2dOptions options_;
  Generator* generator_;
};

}  // namespace graphpool
