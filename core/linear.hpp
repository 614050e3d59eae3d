#pragma once
/// y = x W + b with W [in, out] (the transpose of torch's storage; same initial distribution).
///   Linear<float> fc(LinearOptions(128, 64), gen);
///   Var<float> y = fc.forward(x);     // x [R, 128] -> [R, 64]
#include "core/module.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"

namespace graphpool {

struct LinearOptions {
  LinearOptions(Index in_features, Index out_features)
      : in_features_(in_features), out_features_(out_features) {}
  /// Adds a learnable bias (default true).
  LinearOptions& bias(bool on) {
    bias_ = on;
    return *this;
  }
  Index in_features_;
  Index out_features_;
  bool bias_ = true;
};

template <class T>
class Linear : public Module<T> {
 public:
  /// Kaiming-uniform (a = sqrt 5) weight and uniform bias, as torch.nn.Linear.
  Linear(const LinearOptions& options, Generator& gen);
  Var<T> forward(Var<T> x);
  Parameter<T>& weight() { return *weight_; }
  Parameter<T>* bias() { return bias_; }

 private:
  LinearOptions options_;
  Parameter<T>* weight_;
  Parameter<T>* bias_ = nullptr;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace graphpool
