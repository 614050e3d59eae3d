#include "layers/lp_pool2d.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "layers/pool2d_direct.hpp"
#include "layers/pool_reduce.hpp"

namespace graphpool {

PoolGrid lp_pool2d_grid(const LpPool2dOptions& o, Index H, Index W) {
  if (!(o.p_ >= 1.0) || !std::isfinite(o.p_)) {
    throw ValueError("lp_pool2d: p must be a finite value >= 1, got " + std::to_string(o.p_));
  }
  return window_grid("lp_pool2d", H, W, o.kernel_size_, o.stride_.value_or(o.kernel_size_), 0, 1,
                     o.ceil_mode_);
}

template <class T>
void lp_pool2d_planes(const T* x, Index planes, const PoolGrid& g, T p, T* out) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  for_each_window(planes, g, [&](Index pl, Index o, Index n, const Index* offs) {
    const T* xp = x + pl * HW;
    // out = (sum_j |x_j|^p)^(1/p)
    out[pl * OHW + o] = pool_reduce::lp<T>(n, p, [&](Index j) { return xp[offs[j]]; });
  });
}

template <class T>
void lp_pool2d_planes_backward(const T* x, const T* out, const T* grad_out, Index planes,
                               const PoolGrid& g, T p, T* grad_x) {
  const Index HW = g.in_h() * g.in_w(), OHW = g.out_h() * g.out_w();
  for_each_window(planes, g, [&](Index pl, Index o, Index n, const Index* offs) {
    const T* xp = x + pl * HW;
    T* gx = grad_x + pl * HW;
    pool_reduce::lp_backward<T>(
        n, p, out[pl * OHW + o], grad_out[pl * OHW + o], [&](Index j) { return xp[offs[j]]; },
        [&](Index j, T v) { gx[offs[j]] += v; });
  });
}

template <class T>
void lp_pool2d(const Tensor<T>& x, const LpPool2dOptions& options, Tensor<T>& out) {
  check_pool_input("lp_pool2d", x.shape());
  const PoolGrid g = lp_pool2d_grid(options, x.dim(2), x.dim(3));
  out.resize(pool_output_shape(x.shape(), g));
  lp_pool2d_planes(x.data(), x.dim(0) * x.dim(1), g, static_cast<T>(options.p_), out.data());
}

template <class T>
Var<T> lp_pool2d(Var<T> x, const LpPool2dOptions& options) {
  Tape<T>& tape = *x.tape;
  check_pool_input("lp_pool2d", x.shape());
  const Shape in = x.shape();
  const PoolGrid g = lp_pool2d_grid(options, in[2], in[3]);
  const T p = static_cast<T>(options.p_);
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  lp_pool2d_planes(tape.value(x).data(), in[0] * in[1], g, p, tape.mutable_value(out).data());
  tape.on_backward(out, [x, out, g, p](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const Shape& s = t.value(x).shape();
    lp_pool2d_planes_backward(t.value(x).data(), t.value(out).data(), t.grad(out).data(),
                              s[0] * s[1], g, p, t.grad(x).data());
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                                                   \
  template void lp_pool2d_planes<T>(const T*, Index, const PoolGrid&, T, T*);                      \
  template void lp_pool2d_planes_backward<T>(const T*, const T*, const T*, Index, const PoolGrid&, \
                                             T, T*);                                               \
  template void lp_pool2d<T>(const Tensor<T>&, const LpPool2dOptions&, Tensor<T>&);                \
  template Var<T> lp_pool2d<T>(Var<T>, const LpPool2dOptions&);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
