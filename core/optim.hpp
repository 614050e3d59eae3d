#pragma once
/// Optimizers over a module's parameters, matching torch.optim.
///   Adam<float> opt(model.parameters(), AdamOptions(5e-4).weight_decay(1e-4));
///   model.zero_grad(); ...; tape.backward(loss); opt.step();
#include <vector>

#include "core/parameter.hpp"

namespace graphpool {

struct SgdOptions {
  explicit SgdOptions(double lr) : lr_(lr) {}
  SgdOptions& momentum(double m) { momentum_ = m; return *this; }
  SgdOptions& weight_decay(double w) { weight_decay_ = w; return *this; }
  double lr_;
  double momentum_ = 0;      ///< buffer b = momentum * b + g (torch's dampening 0)
  double weight_decay_ = 0;  ///< L2: g += weight_decay * w
};

/// torch.optim.SGD: g = grad + wd w; b = m b + g (b = g on the first step); w -= lr b.
template <class T>
class Sgd {
 public:
  Sgd(std::vector<Parameter<T>*> parameters, const SgdOptions& options);
  void step();
  void zero_grad();
  std::vector<Tensor<T>>& momentum_buffers() { return buffers_; }

 private:
  std::vector<Parameter<T>*> parameters_;
  SgdOptions options_;
  std::vector<Tensor<T>> buffers_;
  bool started_ = false;
};

struct AdamOptions {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  AdamOptions& betas(double b1, double b2) { beta1_ = b1; beta2_ = b2; return *this; }
  AdamOptions& eps(double e) { eps_ = e; return *this; }
  AdamOptions& weight_decay(double w) { weight_decay_ = w; return *this; }
  double lr_;
  double beta1_ = 0.9;
  double beta2_ = 0.999;
  double eps_ = 1e-8;
  double weight_decay_ = 0;  ///< L2 added to the gradient, as torch.optim.Adam (not AdamW)
};

/// torch.optim.Adam: g = grad + wd w; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
template <class T>
class Adam {
 public:
  Adam(std::vector<Parameter<T>*> parameters, const AdamOptions& options);
  void step();
  void zero_grad();
  // State, for checkpoints.
  std::vector<Tensor<T>>& first_moments() { return m_; }
  std::vector<Tensor<T>>& second_moments() { return v_; }
  long long step_count() const { return step_; }
  void set_step_count(long long step) { step_ = step; }
  const std::vector<Parameter<T>*>& parameters() const { return parameters_; }
  const AdamOptions& options() const { return options_; }

 private:
  std::vector<Parameter<T>*> parameters_;
  AdamOptions options_;
  std::vector<Tensor<T>> m_, v_;
  long long step_ = 0;
};

extern template class Sgd<float>;
extern template class Sgd<double>;
extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace graphpool
