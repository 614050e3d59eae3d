#include "layers/variance_aggregation.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "layers/readout_kernels.hpp"
#include "layers/segment_tiles.hpp"

namespace graphpool {

namespace {

// var (or std) [G, F] on the tape; the closure keeps mean [G, F].
template <class T>
Var<T> variance_op(const char* what, Var<T> x, std::span<const Index> node_ptr, bool std_dev) {
  if (x.tape == nullptr) throw ValueError(std::string(what) + ": x is not on a tape");
  check_rank(what, x.shape(), 2);
  check_node_ptr(what, node_ptr, x.shape()[0]);
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.shape()[1];
  Tape<T>& tape = *x.tape;
  Var<T> out = tape.make(Shape{G, F}, {x});
  auto mean = std::make_shared<std::vector<T>>(static_cast<std::size_t>(G * F));
  segment_var<T>(tape.value(x).matrix(), node_ptr, tape.mutable_value(out).matrix(),
                 MatrixMap<T>(mean->data(), G, F));
  if (std_dev) std_from_var<T>(tape.mutable_value(out).matrix());
  tape.on_backward(out, [x, out, node_ptr, mean, G, F, std_dev](Tape<T>& t) {
    if (!t.requires_grad(x)) return;
    ConstMatrixMap<T> m(mean->data(), G, F);
    if (!std_dev) {
      segment_var_backward<T>(t.value(x).matrix(), node_ptr, m, std::as_const(t.grad(out)).matrix(),
                              t.grad(x).matrix());
      return;
    }
    Tensor<T> grad_var(Shape{G, F});
    std_backward<T>(t.value(out).matrix(), std::as_const(t.grad(out)).matrix(), grad_var.matrix());
    segment_var_backward<T>(t.value(x).matrix(), node_ptr, m, std::as_const(grad_var).matrix(),
                            t.grad(x).matrix());
  });
  return out;
}

}  // namespace

template <class T>
void segment_var(ConstMatrixMap<T> x, std::span<const Index> node_ptr, MatrixMap<T> var,
                 MatrixMap<T> mean) {
  const char* what = "segment_var";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_segment_matrix(what, "var", var.rows(), var.cols(), G, F);
  check_segment_matrix(what, "mean", mean.rows(), mean.cols(), G, F);
  const T* xp = x.data();
  parallel_for(0, G, graph_grain(G, x.rows(), F), [&](Index g_lo, Index g_hi) {
    for (Index g = g_lo; g < g_hi; ++g) {
      T* __restrict v = var.data() + g * F;  // holds sum x^2 until the end
      T* __restrict m = mean.data() + g * F;
      const Index lo = node_ptr[g], hi = node_ptr[g + 1];
      for (Index f = 0; f < F; ++f) m[f] = T(0), v[f] = T(0);
      // m = sum_i x_i, v = sum_i x_i^2
      for (Index i = lo; i < hi; ++i) {
        const T* __restrict xi = xp + i * F;
        for (Index f = 0; f < F; ++f) {
          m[f] += xi[f];
          v[f] += xi[f] * xi[f];
        }
      }
      if (hi == lo) continue;  // empty graph: mean 0, var 0
      // var = sum x^2 / n - (sum x / n)^2
      const T n = static_cast<T>(hi - lo);
      for (Index f = 0; f < F; ++f) {
        m[f] /= n;
        v[f] = v[f] / n - m[f] * m[f];
      }
    }
  });
}

template <class T>
void segment_var_backward(ConstMatrixMap<T> x, std::span<const Index> node_ptr,
                          ConstMatrixMap<T> mean, ConstMatrixMap<T> grad_var, MatrixMap<T> grad_x) {
  const char* what = "segment_var_backward";
  check_node_ptr(what, node_ptr, x.rows());
  const Index G = static_cast<Index>(node_ptr.size()) - 1;
  const Index F = x.cols();
  check_segment_matrix(what, "mean", mean.rows(), mean.cols(), G, F);
  check_segment_matrix(what, "grad_var", grad_var.rows(), grad_var.cols(), G, F);
  check_segment_matrix(what, "grad_x", grad_x.rows(), grad_x.cols(), x.rows(), F);
  const T* xp = x.data();
  T* gxp = grad_x.data();
  parallel_for(0, G, graph_grain(G, x.rows(), F), [&](Index g_lo, Index g_hi) {
    std::vector<T> scaled(static_cast<std::size_t>(F));
    for (Index g = g_lo; g < g_hi; ++g) {
      const Index lo = node_ptr[g], hi = node_ptr[g + 1];
      if (lo == hi) continue;
      const T n = static_cast<T>(hi - lo);
      const T* __restrict m = mean.data() + g * F;
      const T* __restrict gv = grad_var.data() + g * F;
      T* __restrict s = scaled.data();
      for (Index f = 0; f < F; ++f) s[f] = T(2) * gv[f] / n;
      // grad_x[i] += 2 grad_var (x_i - mean) / n
      for (Index i = lo; i < hi; ++i) {
        const T* __restrict xi = xp + i * F;
        T* __restrict gi = gxp + i * F;
        for (Index f = 0; f < F; ++f) gi[f] += s[f] * (xi[f] - m[f]);
      }
    }
  });
}

template <class T>
void std_from_var(MatrixMap<T> values) {
  const T min_var = static_cast<T>(kStdMinVariance);
  const T threshold = static_cast<T>(std::sqrt(kStdMinVariance));
  T* v = values.data();
  // std = sqrt(max(var, 1e-5)), 0 where <= sqrt(1e-5)
  parallel_for(0, values.size(), kElementsPerChunk, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) {
      const T s = std::sqrt(std::max(v[i], min_var));
      v[i] = s <= threshold ? T(0) : s;
    }
  });
}

template <class T>
void std_backward(ConstMatrixMap<T> std, ConstMatrixMap<T> grad_std, MatrixMap<T> grad_var) {
  check_segment_matrix("std_backward", "grad_std", grad_std.rows(), grad_std.cols(), std.rows(),
                       std.cols());
  check_segment_matrix("std_backward", "grad_var", grad_var.rows(), grad_var.cols(), std.rows(),
                       std.cols());
  const T* s = std.data();
  const T* gs = grad_std.data();
  T* gv = grad_var.data();
  // d std / d var = 1 / (2 std) where std > 0 (masked entries are exactly 0 and get nothing)
  parallel_for(0, std.size(), kElementsPerChunk, [&](Index lo, Index hi) {
    for (Index i = lo; i < hi; ++i) gv[i] = s[i] > T(0) ? gs[i] / (T(2) * s[i]) : T(0);
  });
}

template <class T>
Var<T> global_var_pool(Var<T> x, std::span<const Index> node_ptr) {
  return variance_op("global_var_pool", x, node_ptr, false);
}

template <class T>
Var<T> global_std_pool(Var<T> x, std::span<const Index> node_ptr) {
  return variance_op("global_std_pool", x, node_ptr, true);
}

#define GRAPHPOOL_INSTANTIATE(T)                                                             \
  template void segment_var<T>(ConstMatrixMap<T>, std::span<const Index>, MatrixMap<T>,      \
                               MatrixMap<T>);                                                \
  template void segment_var_backward<T>(ConstMatrixMap<T>, std::span<const Index>,           \
                                        ConstMatrixMap<T>, ConstMatrixMap<T>, MatrixMap<T>); \
  template void std_from_var<T>(MatrixMap<T>);                                               \
  template void std_backward<T>(ConstMatrixMap<T>, ConstMatrixMap<T>, MatrixMap<T>);         \
  template Var<T> global_var_pool<T>(Var<T>, std::span<const Index>);                        \
  template Var<T> global_std_pool<T>(Var<T>, std::span<const Index>);

GRAPHPOOL_INSTANTIATE(float)
GRAPHPOOL_INSTANTIATE(double)
#undef GRAPHPOOL_INSTANTIATE

}  // namespace graphpool
