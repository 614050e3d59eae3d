#include "core/optim.hpp"

#include <cmath>

#include "core/parallel.hpp"

namespace graphpool {

namespace {
constexpr Index kAdamGrain = 8192;  // elements per parallel chunk of one parameter
constexpr Index kAdamCost = 16;     // operations per element (sqrt and divisions included)

template <class T>
struct AdamCoefficients {
  T weight_decay, beta1, beta2, step_size, sqrt_bias_correction2, eps;
};

// g = grad + wd w; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// w -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)
// A function of its own: the four tensors are distinct (restrict), so the loop vectorises
// (restrict pointers captured by a lambda did not: GCC 12 kept it scalar).
template <class T>
void adam_update(const AdamCoefficients<T>& k, Index lo, Index hi, const T* __restrict grad,
                 T* __restrict w, T* __restrict m, T* __restrict v) {
  const T wd = k.weight_decay, b1 = k.beta1, b2 = k.beta2;
  const T step_size = k.step_size, sqrt_bc2 = k.sqrt_bias_correction2, eps = k.eps;
  for (Index j = lo; j < hi; ++j) {
    const T g = grad[j] + wd * w[j];
    m[j] = b1 * m[j] + (T(1) - b1) * g;
    v[j] = b2 * v[j] + (T(1) - b2) * g * g;
    w[j] -= step_size * m[j] / (std::sqrt(v[j]) / sqrt_bc2 + eps);
  }
}

}  // namespace

template <class T>
Sgd<T>::Sgd(std::vector<Parameter<T>*> parameters, const SgdOptions& options)
    : parameters_(std::move(parameters)), options_(options) {
  for (Parameter<T>* p : parameters_) buffers_.emplace_back(p->value.shape());
}

template <class T>
void Sgd<T>::step() {
  const T lr = static_cast<T>(options_.lr_), m = static_cast<T>(options_.momentum_);
  const T wd = static_cast<T>(options_.weight_decay_);
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    auto w = parameters_[i]->value.flat();
    auto b = buffers_[i].flat();
    // g = grad + wd w; b = m b + g (b = g on the first step); w -= lr b
    auto g = (parameters_[i]->grad.flat() + wd * w).eval();
    if (m != T(0)) {
      b = started_ ? (m * b + g).eval() : g;
      w -= lr * b;
    } else {
      w -= lr * g;
    }
  }
  started_ = true;
}

template <class T>
void Sgd<T>::zero_grad() {
  for (Parameter<T>* p : parameters_) p->grad.set_zero();
}

template <class T>
Adam<T>::Adam(std::vector<Parameter<T>*> parameters, const AdamOptions& options)
    : parameters_(std::move(parameters)), options_(options) {
  for (Parameter<T>* p : parameters_) {
    m_.emplace_back(p->value.shape());
    v_.emplace_back(p->value.shape());
  }
}

template <class T>
void Adam<T>::step() {
  ++step_;
  const T lr = static_cast<T>(options_.lr_), b1 = static_cast<T>(options_.beta1_);
  const T b2 = static_cast<T>(options_.beta2_), eps = static_cast<T>(options_.eps_);
  const T wd = static_cast<T>(options_.weight_decay_);
  // Bias corrections as torch: bc1 = 1 - b1^t, bc2 = 1 - b2^t (in double, then T).
  const double t = static_cast<double>(step_);
  const T bias_correction1 = static_cast<T>(1.0 - std::pow(options_.beta1_, t));
  const T bias_correction2 = static_cast<T>(1.0 - std::pow(options_.beta2_, t));
  const T step_size = lr / bias_correction1;
  const T sqrt_bc2 = std::sqrt(bias_correction2);
  const AdamCoefficients<T> k{wd, b1, b2, step_size, sqrt_bc2, eps};
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    T* w = parameters_[i]->value.data();
    const T* grad = parameters_[i]->grad.data();
    T* m = m_[i].data();
    T* v = v_[i].data();
    // (elementwise: fixed chunks of large tensors run in parallel, small ones inline)
    parallel_for(
        0, parameters_[i]->value.numel(), kAdamGrain,
        [&](Index lo, Index hi) { adam_update(k, lo, hi, grad, w, m, v); }, kAdamCost);
  }
}

template <class T>
void Adam<T>::zero_grad() {
  for (Parameter<T>* p : parameters_) p->grad.set_zero();
}

template class Sgd<float>;
template class Sgd<double>;
template class Adam<float>;
template class Adam<double>;

}  // namespace graphpool
