#include "layers/softmax_aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "layers/readout_kernels.hpp"
#include "layers/segment_tiles.hpp"

namespace graphpool {

namespace {}  // namespace

template <class T>
void segment_softmax_aggregate(ConstMatrixMap<T> x, std::span<const T> t,
                               std::span<const Index> node_ptr, MatrixMap<T> out,
                               MatrixMap<T> shift, MatrixMap<T> norm) {
  const char* what = "segment_softmax_aggregate";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_channel_parameter(what, "t", static_cast<Index>(t.size()), F);
  check_segment_matrix(what, "out", out.rows(), out.cols(), G, F);
  check_segment_matrix(what, "shift", shift.rows(), shift.cols(), G, F);
  check_segment_matrix(what, "norm", norm.rows(), norm.cols(), G, F);
  const Index tstep = t.size() == 1 ? 0 : 1;
  const T* xp = x.data();
  parallel_for(0, G, graph_grain(G, x.rows(), F), [&](Index g_lo, Index g_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      T* __restrict o = out.data() + g * F;
      T* __restrict m = shift.data() + g * F;
      T* __restrict z = norm.data() + g * F;
      const Index lo = node_ptr[g], hi = node_ptr[g + 1];
      if (lo == hi) {  // empty graph: 0
        for (Index f = 0; f < F; ++f) o[f] = T(0), m[f] = T(0), z[f] = T(1);
        continue;
      }
      // m[f] = max_i t_f x[i, f]
      for (Index f = 0; f < F; ++f) m[f] = t[f * tstep] * xp[lo * F + f];
      for (Index i = lo + 1; i < hi; ++i) {
        const T* __restrict xi = xp + i * F;
        for (Index f = 0; f < F; ++f) m[f] = std::max(m[f], t[f * tstep] * xi[f]);
      }
      // z[f] = sum_i exp(t_f x[i, f] - m[f]) + 1e-16, o[f] = sum_i exp(..) x[i, f] / z[f]
      for (Index f = 0; f < F; ++f) z[f] = T(0), o[f] = T(0);
      for (Index i = lo; i < hi; ++i) {
        const T* __restrict xi = xp + i * F;
        for (Index f = 0; f < F; ++f) {
          const T e = std::exp(t[f * tstep] * xi[f] - m[f]);
          z[f] += e;
          o[f] += e * xi[f];
        }
      }
      for (Index f = 0; f < F; ++f) {
        z[f] += static_cast<T>(1e-16);
        o[f] /= z[f];
      }
    }
  });
}

template <class T>
void segment_softmax_aggregate_backward(ConstMatrixMap<T> x, std::span<const T> t,
                                        std::span<const Index> node_ptr, ConstMatrixMap<T> out,
                                        ConstMatrixMap<T> shift, ConstMatrixMap<T> norm,
                                        ConstMatrixMap<T> grad_out, MatrixMap<T> grad_x,
                                        std::span<T> grad_t) {
  const char* what = "segment_softmax_aggregate_backward";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_channel_parameter(what, "t", static_cast<Index>(t.size()), F);
  check_segment_matrix(what, "out", out.rows(), out.cols(), G, F);
  check_segment_matrix(what, "grad_out", grad_out.rows(), grad_out.cols(), G, F);
  const bool want_x = grad_x.rows() > 0;
  if (want_x) check_segment_matrix(what, "grad_x", grad_x.rows(), grad_x.cols(), x.rows(), F);
  const bool want_t = !grad_t.empty();
  if (want_t) {
    check_channel_gradient(what, "t", static_cast<Index>(grad_t.size()),
                           static_cast<Index>(t.size()));
  }
  const Index tstep = t.size() == 1 ? 0 : 1;
  const T* xp = x.data();
  // d/dt per feature, summed over each chunk's graphs
  const std::vector<T> dt = reduce_channel_partials<T>(
      G, graph_grain(G, x.rows(), F), F, want_t, [&](Index g_lo, Index g_hi, std::vector<T>& acc) {
        for (Index g = g_lo; g < g_hi; ++g) {
          const T* __restrict o = out.data() + g * F;
          const T* __restrict m = shift.data() + g * F;
          const T* __restrict z = norm.data() + g * F;
          const T* __restrict go = grad_out.data() + g * F;
          for (Index i = node_ptr[g]; i < node_ptr[g + 1]; ++i) {
            const T* __restrict xi = xp + i * F;
            for (Index f = 0; f < F; ++f) {
              const T tf = t[f * tstep];
              // a = softmax weight of node i; d out / d x_i = a (1 + t (x_i - out))
              const T a = std::exp(tf * xi[f] - m[f]) / z[f];
              const T ga = go[f] * a;
              const T d = xi[f] - o[f];
              if (want_x) grad_x(i, f) += ga * (T(1) + tf * d);
              // d out / d t = sum_i a (x_i - out) x_i
              if (want_t) acc[f] += ga * d * xi[f];
            }
          }
        }
      });
  if (want_t) add_channel_partials(grad_t, dt);
}

template <class T>
Var<T> softmax_aggregation(Var<T> x, Var<T> t, std::span<const Index> node_ptr) {
  const char* what = "softmax_aggregation";
  if (x.tape == nullptr || x.tape != t.tape) {
    throw ValueError(std::string(what) + ": x and t must live on the same tape");
  }
  check_rank(what, x.shape(), 2);
  check_node_ptr(what, node_ptr, x.shape()[0]);
  const Index F = x.shape()[1];
  check_channel_parameter(what, "t", t.value().numel(), F);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(Shape{G, F}, {x, t});
  // shift and norm [G, F] each, kept for backward
  auto saved = std::make_shared<std::vector<T>>(static_cast<std::size_t>(2 * G * F));
  const Tensor<T>& tv = tape.value(t);
  segment_softmax_aggregate<T>(tape.value(x).matrix(), tv.values(), node_ptr,
                               tape.mutable_value(out).matrix(), MatrixMap<T>(saved->data(), G, F),
                               MatrixMap<T>(saved->data() + G * F, G, F));
  tape.on_backward(out, [x, t, out, node_ptr, saved, G, F](Tape<T>& tp) {
    const bool want_x = tp.requires_grad(x), want_t = tp.requires_grad(t);
    if (!want_x && !want_t) return;
    MatrixMap<T> gx = want_x ? tp.grad(x).matrix() : MatrixMap<T>(nullptr, 0, F);
    std::span<T> gt = want_t ? tp.grad(t).values() : std::span<T>();
    segment_softmax_aggregate_backward<T>(
        tp.value(x).matrix(), tp.value(t).values(), node_ptr, tp.value(out).matrix(),
        ConstMatrixMap<T>(saved->data(), G, F), ConstMatrixMap<T>(saved->data() + G * F, G, F),
        std::as_const(tp.grad(out)).matrix(), gx, gt);
  });
  return out;
}

template <class T>
SoftmaxAggregation<T>::SoftmaxAggregation(const SoftmaxAggregationOptions& options)
    : options_(options) {
  if (options.channels_ < 1) {
    throw ValueError("SoftmaxAggregation: channels must be >= 1, got " +
                     std::to_string(options.channels_));
  }
  if (!options.learn_ && options.channels_ != 1) {
    throw ValueError("SoftmaxAggregation: channels > 1 needs learn(true), got channels = " +
                     std::to_string(options.channels_));
  }
  if (options.learn_) {
    t_ = &this->register_parameter("t",
                                   Tensor<T>(Shape{options.channels_}, static_cast<T>(options.t_)));
  }
}

template <class T>
Var<T> SoftmaxAggregation<T>::forward(Var<T> x, std::span<const Index> node_ptr) {
  if (x.tape == nullptr) throw ValueError("SoftmaxAggregation: x is not on a tape");
  Var<T> t = t_ != nullptr ? x.tape->parameter(*t_)
                           : x.tape->constant(Tensor<T>(Shape{1}, static_cast<T>(options_.t_)));
  return softmax_aggregation(x, t, node_ptr);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                                 \
  template void segment_softmax_aggregate<T>(ConstMatrixMap<T>, std::span<const T>,              \
                                             std::span<const Index>, MatrixMap<T>, MatrixMap<T>, \
                                             MatrixMap<T>);                                      \
  template void segment_softmax_aggregate_backward<T>(                                           \
      ConstMatrixMap<T>, std::span<const T>, std::span<const Index>, ConstMatrixMap<T>,          \
      ConstMatrixMap<T>, ConstMatrixMap<T>, ConstMatrixMap<T>, MatrixMap<T>, std::span<T>);      \
  template Var<T> softmax_aggregation<T>(Var<T>, Var<T>, std::span<const Index>);                \
  template class SoftmaxAggregation<T>;

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
