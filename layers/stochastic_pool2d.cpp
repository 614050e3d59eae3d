#include "layers/stochastic_pool2d.hpp"

#include <memory>
#include <vector>

#include "layers/cluster_pool.hpp"
#include "layers/pool2d_direct.hpp"
#include "layers/pool2d_window.hpp"
#include "layers/pool_reduce.hpp"

namespace graphpool {

template <class T>
Var<T> stochastic_pool2d(Var<T> x, const StochasticPool2dOptions& o,
                         std::optional<CounterRng> rng) {
  check_pool_input("stochastic_pool2d", x.shape());
  check_non_negative<T>("stochastic_pool2d", x.value().values());
  Tape<T>& tape = *x.tape;
  const Shape in = x.shape();
  const PoolGrid g = window_grid("stochastic_pool2d", in[2], in[3], o.kernel_size_,
                                 o.stride_.value_or(o.kernel_size_), o.padding_, 1, o.ceil_mode_);
  const Index planes = in[0] * in[1], HW = in[2] * in[3], OHW = g.out_h() * g.out_w();
  Var<T> out = tape.make(pool_output_shape(in, g), {x});
  const auto n_out = static_cast<std::size_t>(tape.value(out).numel());
  const T* xv = tape.value(x).data();
  T* y = tape.mutable_value(out).data();
  // training: the picked plane offset per output (-1 for an all-zero window); eval: the sums
  auto pick = std::make_shared<std::vector<std::int32_t>>();
  auto sums = std::make_shared<std::vector<T>>();
  if (rng) {
    pick->resize(n_out);
    for_each_window(planes, g, [&](Index p, Index o_, Index n, const Index* offs) {
      const T* xp = xv + p * HW;
      const Index i = p * OHW + o_;
      // P(j) = a_j / sum(a), u from the counter at the output's flat index
      const double u = rng->uniform(static_cast<std::uint64_t>(i));
      const Index j = pool_reduce::stochastic_pick<T>(n, u, [&](Index k) { return xp[offs[k]]; });
      (*pick)[static_cast<std::size_t>(i)] = j < 0 ? -1 : static_cast<std::int32_t>(offs[j]);
      y[i] = j < 0 ? T(0) : xp[offs[j]];
    });
  } else {
    sums->resize(n_out);
    for_each_window(planes, g, [&](Index p, Index o_, Index n, const Index* offs) {
      const T* xp = xv + p * HW;
      const Index i = p * OHW + o_;
      // out = sum_j (a_j / S) a_j
      y[i] = pool_reduce::stochastic_expectation<T>(
          n, [&](Index k) { return xp[offs[k]]; }, (*sums)[static_cast<std::size_t>(i)]);
    });
  }
  const bool training = rng.has_value();
  tape.on_backward(out, [x, out, g, planes, HW, OHW, pick, sums, training](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    const T* go = t.grad(out).data();
    const T* yv = t.value(out).data();
    const T* xv = t.value(x).data();
    T* gx = t.grad(x).data();
    if (training) {
      // d out / d a_j = [j == picked]
      for_each_plane_chunk(planes, HW, [&](Index lo, Index hi) {
        for (Index p = lo; p < hi; ++p)
          for (Index o_ = 0; o_ < OHW; ++o_) {
            const std::int32_t j = (*pick)[static_cast<std::size_t>(p * OHW + o_)];
            if (j >= 0) gx[p * HW + j] += go[p * OHW + o_];
          }
      });
      return;
    }
    for_each_window(planes, g, [&](Index p, Index o_, Index n, const Index* offs) {
      const T* xp = xv + p * HW;
      T* gp = gx + p * HW;
      const Index i = p * OHW + o_;
      pool_reduce::stochastic_expectation_backward<T>(
          n, yv[i], (*sums)[static_cast<std::size_t>(i)], go[i],
          [&](Index k) { return xp[offs[k]]; }, [&](Index k, T v) { gp[offs[k]] += v; });
    });
  });
  return out;
}

#define GRAPHPOOL_INSTANTIATE(T)                                               \
  template Var<T> stochastic_pool2d<T>(Var<T>, const StochasticPool2dOptions&, \
                                       std::optional<CounterRng>);
GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
