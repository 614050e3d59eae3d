#include "layers/softmax_pool2d.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "layers/pool2d_direct.hpp"
#include "layers/pool_reduce.hpp"

namespace graphpool {

PoolGrid softmax_pool2d_grid(const SoftmaxPool2dOptions& o, Index H, Index W) {
  if (!std::isfinite(o.beta_)) {
    throw ValueError("softmax_pool2d: beta must be finite, got " + std::to_string(o.beta_));
  }
  return window_grid("softmax_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_),
                     o.padding_, 1, o.ceil_mode_);
}

template <class T>
void softmax_pool2d_planes(const T* x, Index planes, const PoolGrid& g, T beta, T* out, T* shift,
                           T* norm) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  for_each_window(planes, g, [&](Index pl, Index o, Index n, const Index* offs) {
    const T* xp = x + pl * HW;
    const Index i = pl * OHW + o;
    T m, Z;
    // out = sum_j softmax(beta a)_j a_j
    out[i] = pool_reduce::softmax<T>(
        n, beta, [&](Index j) { return xp[offs[j]]; }, m, Z);
    if (shift) shift[i] = m;
    if (norm) norm[i] = Z;
  });
}

template <class T>
void softmax_pool2d_planes_backward(const T* x, const T* out, const T* shift, const T* norm,
                                    const T* grad_out, Index planes, const PoolGrid& g, T beta,
                                    T* grad_x) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  for_each_window(planes, g, [&](Index pl, Index o, Index n, const Index* offs) {
    const T* xp = x + pl * HW;
    T* gx = grad_x + pl * HW;
    const Index i = pl * OHW + o;
    pool_reduce::softmax_backward<T>(
        n, beta, out[i], shift[i], norm[i], grad_out[i], [&](Index j) { return xp[offs[j]]; },
        [&](Index j, T v) { gx[offs[j]] += v; });
  });
}

template <class T>
void softmax_pool2d(const Tensor<T>& x, const SoftmaxPool2dOptions& options, Tensor<T>& out) {
  check_pool_input("softmax_pool2d", x.shape());
  const PoolGrid g = softmax_pool2d_grid(options, x.dim(2), x.dim(3));
  out.resize(pool_output_shape(x.shape(), g));
  softmax_pool2d_planes(x.data(), x.dim(0) * x.dim(1), g, static_cast<T>(options.beta_), out.data(),
                        static_cast<T*>(nullptr), static_cast<T*>(nullptr));
}

template <class T>
Var<T> softmax_pool2d(Var<T> x, const SoftmaxPool2dOptions& options) {
  Tape<T>& tape = *x.tape;
  check_pool_input("softmax_pool2d", x.shape());
  const Shape in = x.shape();
  const PoolGrid g = softmax_pool2d_grid(options, in[2], in[3]);
  const T beta = static_cast<T>(options.beta_);
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  const auto count = static_cast<std::size_t>(tape.value(out).numel());
  auto shift = std::make_shared<std::vector<T>>(count);
  auto norm = std::make_shared<std::vector<T>>(count);
  softmax_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, beta,
                        tape.mutable_value(out).data(), shift->data(), norm->data());
  tape.on_backward(out, [x, out, g, beta, shift, norm](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    softmax_pool2d_planes_backward(t.value(x).data(), t.value(out).data(), shift->data(),
                                   norm->data(), t.grad(out).data(), s[0] * s[1], g, beta,
                                   t.grad(x).data());
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                              \
  template void softmax_pool2d_planes<T>(const T*, Index, const PoolGrid&, T, T*, T*, T*);    \
  template void softmax_pool2d_planes_backward<T>(const T*, const T*, const T*, const T*,     \
                                                  const T*, Index, const PoolGrid&, T, T*);   \
  template void softmax_pool2d<T>(const Tensor<T>&, const SoftmaxPool2dOptions&, Tensor<T>&); \
  template Var<T> softmax_pool2d<T>(Var<T>, const SoftmaxPool2dOptions&);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
