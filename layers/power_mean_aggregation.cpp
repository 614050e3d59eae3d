#include "layers/power_mean_aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "layers/readout.hpp"
#include "layers/readout_kernels.hpp"
#include "layers/segment_tiles.hpp"

namespace graphpool {

namespace {

constexpr double kClampMax = 100.0;

template <class T>
T clamp100(T v) {
  return std::min(std::max(v, T(0)), static_cast<T>(kClampMax));
}
// torch's clamp backward mask: min <= v <= max (false for NaN)
template <class T>
bool inside100(T v) {
  return v >= T(0) && v <= static_cast<T>(kClampMax);
}
// d (b ^ e) / d e = b ^ e log b, taken as 0 where b == 0 and e >= 0 (torch's pow rule)
template <class T>
T pow_exponent_partial(T base, T exponent, T power) {
  return base == T(0) && exponent >= T(0) ? T(0) : power * std::log(base);
}

}  // namespace

template <class T>
void segment_power_mean(ConstMatrixMap<T> x, std::span<const T> p, std::span<const Index> node_ptr,
                        MatrixMap<T> out, MatrixMap<T> mean) {
  const char* what = "segment_power_mean";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_channel_parameter(what, "p", static_cast<Index>(p.size()), F);
  check_segment_matrix(what, "out", out.rows(), out.cols(), G, F);
  check_segment_matrix(what, "mean", mean.rows(), mean.cols(), G, F);
  const Index pstep = p.size() == 1 ? 0 : 1;
  const T* xp = x.data();
  parallel_for(0, G, graph_grain(G, x.rows(), F), [&](Index g_lo, Index g_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      T* __restrict o = out.data() + g * F;
      T* __restrict m = mean.data() + g * F;
      const Index lo = node_ptr[g], hi = node_ptr[g + 1];
      // m[f] = sum_i clamp(x[i, f], 0, 100) ^ p_f / n
      for (Index f = 0; f < F; ++f) m[f] = T(0);
      for (Index i = lo; i < hi; ++i) {
        const T* __restrict xi = xp + i * F;
        for (Index f = 0; f < F; ++f) m[f] += std::pow(clamp100(xi[f]), p[f * pstep]);
      }
      if (hi > lo) {
        const T n = static_cast<T>(hi - lo);
        for (Index f = 0; f < F; ++f) m[f] /= n;
      }
      // o[f] = clamp(m[f], 0, 100) ^ (1 / p_f)
      for (Index f = 0; f < F; ++f) o[f] = std::pow(clamp100(m[f]), T(1) / p[f * pstep]);
    }
  });
}

template <class T>
void segment_power_mean_backward(ConstMatrixMap<T> x, std::span<const T> p,
                                 std::span<const Index> node_ptr, ConstMatrixMap<T> out,
                                 ConstMatrixMap<T> mean, ConstMatrixMap<T> grad_out,
                                 MatrixMap<T> grad_x, std::span<T> grad_p) {
  const char* what = "segment_power_mean_backward";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_channel_parameter(what, "p", static_cast<Index>(p.size()), F);
  check_segment_matrix(what, "out", out.rows(), out.cols(), G, F);
  check_segment_matrix(what, "mean", mean.rows(), mean.cols(), G, F);
  check_segment_matrix(what, "grad_out", grad_out.rows(), grad_out.cols(), G, F);
  const bool want_x = grad_x.rows() > 0;
  if (want_x) check_segment_matrix(what, "grad_x", grad_x.rows(), grad_x.cols(), x.rows(), F);
  const bool want_p = !grad_p.empty();
  if (want_p) {
    check_channel_gradient(what, "p", static_cast<Index>(grad_p.size()),
                           static_cast<Index>(p.size()));
  }
  const Index pstep = p.size() == 1 ? 0 : 1;
  // d/dp per feature, summed over each chunk's graphs
  const std::vector<T> dp = reduce_channel_partials<T>(
      G, graph_grain(G, x.rows(), F), F, want_p, [&](Index g_lo, Index g_hi, std::vector<T>& acc) {
        std::vector<T> gm(static_cast<std::size_t>(F));  // d loss / d mean, divided by n
        for (Index g = g_lo; g < g_hi; ++g) {
          const Index lo = node_ptr[g], hi = node_ptr[g + 1];
          const T n = static_cast<T>(std::max<Index>(1, hi - lo));
          for (Index f = 0; f < F; ++f) {
            const T pf = p[f * pstep], inv = T(1) / pf;
            const T go = grad_out(g, f), m = mean(g, f), mc = clamp100(m);
            // out = mc ^ inv: d out / d m = inv mc ^ (inv - 1) inside the clamp, else 0
            gm[static_cast<std::size_t>(f)] =
                inside100(m) ? go * inv * std::pow(mc, inv - T(1)) / n : T(0);
            // d out / d p (through inv = 1 / p) = out log(mc) (-1 / p^2)
            if (want_p) acc[f] += go * pow_exponent_partial(mc, inv, out(g, f)) * (-(inv * inv));
          }
          for (Index i = lo; i < hi; ++i) {
            for (Index f = 0; f < F; ++f) {
              const T pf = p[f * pstep], v = x(i, f), vc = clamp100(v);
              const T gmf = gm[static_cast<std::size_t>(f)];
              // m = mean vc ^ p: d / d x_i = p vc ^ (p - 1) inside the clamp; d / d p = vc^p log vc
              if (want_x && inside100(v)) grad_x(i, f) += gmf * pf * std::pow(vc, pf - T(1));
              if (want_p) acc[f] += gmf * pow_exponent_partial(vc, pf, std::pow(vc, pf));
            }
          }
        }
      });
  if (want_p) add_channel_partials(grad_p, dp);
}

template <class T>
Var<T> power_mean_aggregation(Var<T> x, Var<T> p, std::span<const Index> node_ptr) {
  const char* what = "power_mean_aggregation";
  if (x.tape == nullptr || x.tape != p.tape) {
    throw ValueError(std::string(what) + ": x and p must live on the same tape");
  }
  check_rank(what, x.shape(), 2);
  check_node_ptr(what, node_ptr, x.shape()[0]);
  const Index F = x.shape()[1];
  check_channel_parameter(what, "p", p.value().numel(), F);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(Shape{G, F}, {x, p});
  auto mean = std::make_shared<std::vector<T>>(static_cast<std::size_t>(G * F));
  segment_power_mean<T>(tape.value(x).matrix(), tape.value(p).values(), node_ptr,
                        tape.mutable_value(out).matrix(), MatrixMap<T>(mean->data(), G, F));
  tape.on_backward(out, [x, p, out, node_ptr, mean, G, F](Tape<T>& tp) {
    const bool want_x = tp.requires_grad(x), want_p = tp.requires_grad(p);
    if (!want_x && !want_p) return;
    MatrixMap<T> gx = want_x ? tp.grad(x).matrix() : MatrixMap<T>(nullptr, 0, F);
    std::span<T> gp = want_p ? tp.grad(p).values() : std::span<T>();
    segment_power_mean_backward<T>(tp.value(x).matrix(), tp.value(p).values(), node_ptr,
                                   tp.value(out).matrix(), ConstMatrixMap<T>(mean->data(), G, F),
                                   std::as_const(tp.grad(out)).matrix(), gx, gp);
  });
  return out;
}

template <class T>
PowerMeanAggregation<T>::PowerMeanAggregation(const PowerMeanAggregationOptions& options)
    : options_(options) {
  if (options.channels_ < 1) {
    throw ValueError("PowerMeanAggregation: channels must be >= 1, got " +
                     std::to_string(options.channels_));
  }
  if (!options.learn_ && options.channels_ != 1) {
    throw ValueError("PowerMeanAggregation: channels > 1 needs learn(true), got channels = " +
                     std::to_string(options.channels_));
  }
  if (options.p_ == 0.0) throw ValueError("PowerMeanAggregation: p must be nonzero, got 0");
  if (options.learn_) {
    p_ = &this->register_parameter("p",
                                   Tensor<T>(Shape{options.channels_}, static_cast<T>(options.p_)));
  }
}

template <class T>
Var<T> PowerMeanAggregation<T>::forward(Var<T> x, std::span<const Index> node_ptr) {
  if (x.tape == nullptr) throw ValueError("PowerMeanAggregation: x is not on a tape");
  if (p_ == nullptr && options_.p_ == 1.0) return global_mean_pool(x, node_ptr);  // as PyG
  Var<T> p = p_ != nullptr ? x.tape->parameter(*p_)
                           : x.tape->constant(Tensor<T>(Shape{1}, static_cast<T>(options_.p_)));
  return power_mean_aggregation(x, p, node_ptr);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                           \
  template void segment_power_mean<T>(ConstMatrixMap<T>, std::span<const T>,               \
                                      std::span<const Index>, MatrixMap<T>, MatrixMap<T>); \
  template void segment_power_mean_backward<T>(                                            \
      ConstMatrixMap<T>, std::span<const T>, std::span<const Index>, ConstMatrixMap<T>,    \
      ConstMatrixMap<T>, ConstMatrixMap<T>, MatrixMap<T>, std::span<T>);                   \
  template Var<T> power_mean_aggregation<T>(Var<T>, Var<T>, std::span<const Index>);       \
  template class PowerMeanAggregation<T>;

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
