#pragma once
/// Mixed pooling (Yu et al. 2014): alpha * max + (1 - alpha) * avg over the same windows, with
/// alpha fixed, learnable (gradient sum g (max - avg)) or sampled U[0, 1) per training forward.
///   Var<float> y = mixed_pool2d(x, MixedPool2dOptions(2).alpha(0.3));
///   MixedPool2d<float> pool(MixedPool2dOptions(2).mode(MixedAlpha::kLearnable));
#include <optional>

#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/pool2d_options.hpp"

namespace graphpool {

/// alpha (a one-element Var, trainable or not) * max + (1 - alpha) * avg.
template <class T>
Var<T> mixed_pool2d(Var<T> x, const MixedPool2dOptions& options, Var<T> alpha);
/// The same with the fixed options.alpha_.
template <class T>
Var<T> mixed_pool2d(Var<T> x, const MixedPool2dOptions& options);

/// Forward only into `out` (resized, allocation reused), alpha = options.alpha_.
template <class T>
void mixed_pool2d(const Tensor<T>& x, const MixedPool2dOptions& options, Tensor<T>& out);

/// Module: kFixed uses options.alpha_; kLearnable registers the parameter "alpha" (initialised
/// to options.alpha_, unconstrained); kSampled draws alpha ~ U[0, 1) from `generator` at every
/// training forward (eval uses 0.5, its mean); the generator must outlive the module.
template <class T>
class MixedPool2d : public Module<T> {
 public:
  explicit MixedPool2d(MixedPool2dOptions options, Generator* generator = nullptr);
  Var<T> forward(Var<T> x);
  /// The alpha of the last forward call.
  double last_alpha() const { return last_alpha_; }
  /// The learnable alpha (kLearnable only, else nullptr).
  Parameter<T>* alpha_parameter() { return alpha_; }
  const MixedPool2dOptions& options() const { return options_; }

 private:
  MixedPool2dOptions options_;
  Generator* generator_;
  Parameter<T>* alpha_ = nullptr;
  double last_alpha_;
};

}  // namespace graphpool
