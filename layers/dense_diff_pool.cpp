#include "layers/dense_diff_pool.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/dense_assignment.hpp"

namespace graphpool {

namespace {

constexpr double kEps = 1e-15;

template <class T>
using Mat = Eigen::Map<RowMatrix<T>>;
template <class T>
using ConstMat = Eigen::Map<const RowMatrix<T>>;

}  // namespace

template <class T>
Var<T> diff_pool_link_loss(Var<T> adj, Var<T> s, bool normalize) {
  Tape<T>& tape = *adj.tape;
  check_rank("diff_pool_link_loss: adj", adj.shape(), 3);
  check_rank("diff_pool_link_loss: s", s.shape(), 3);
  const Index B = adj.shape()[0], N = adj.shape()[1], C = s.shape()[2];
  if (adj.shape()[2] != N || s.shape()[0] != B || s.shape()[1] != N) {
    throw ShapeError("diff_pool_link_loss: adj is " + adj.shape().str() + " and s is " +
                     s.shape().str() + "; expected adj [B, N, N] and s [B, N, C]");
  }
  const T numel = static_cast<T>(B * N * N);
  // ||R||^2 = sum_b sum_ij (A_bij - s_bi . s_bj)^2, batches combined in order
  const T* av = adj.value().data();
  const T* sv = s.value().data();
  const T sq = parallel_reduce(
      Index{0}, B, Index{1}, T(0),
      [&](Index lo, Index hi) {
        T part = T(0);
        for (Index b = lo; b < hi; ++b) {
          ConstMat<T> S(sv + b * N * C, N, C);
          RowMatrix<T> R = ConstMat<T>(av + b * N * N, N, N) - S * S.transpose();
          part += R.squaredNorm();
        }
        return part;
      },
      [](T acc, T part) { return acc + part; });
  const T norm = std::sqrt(sq);
  Var<T> out = tape.make(Shape{}, {adj, s});
  tape.mutable_value(out)[0] = normalize ? norm / numel : norm;
  // dL/dR = R / ||R|| (0 at R = 0, as torch.norm); dadj = G; ds = -(G + G^T) s
  tape.on_backward(out, [adj, s, out, B, N, C, norm, numel, normalize](Tape<T>& t) {
    if (!(norm > T(0))) return;
    const T k = t.grad(out)[0] / norm / (normalize ? numel : T(1));
    const T* av = t.value(adj).data();
    const T* sv = t.value(s).data();
    const bool need_adj = t.requires_grad(adj), need_s = t.requires_grad(s);
    T* dadj = need_adj ? t.grad(adj).data() : nullptr;
    T* ds = need_s ? t.grad(s).data() : nullptr;
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index b = lo; b < hi; ++b) {
        ConstMat<T> S(sv + b * N * C, N, C);
        RowMatrix<T> G = k * (ConstMat<T>(av + b * N * N, N, N) - S * S.transpose());
        if (need_adj) Mat<T>(dadj + b * N * N, N, N) += G;
        if (need_s) Mat<T>(ds + b * N * C, N, C).noalias() -= (G + G.transpose()) * S;
      }
    });
  });
  return out;
}

template <class T>
Var<T> diff_pool_entropy_loss(Var<T> s) {
  Tape<T>& tape = *s.tape;
  const int rank = s.shape().rank();
  if (rank < 1) throw ShapeError("diff_pool_entropy_loss: s must have rank >= 1, got []");
  const Index C = s.shape()[rank - 1];
  const Index total = s.value().numel();
  const Index rows = C == 0 ? 0 : total / C;
  const T eps = static_cast<T>(kEps);
  const T* sv = s.value().data();
  // H = sum_rc -s_rc log(s_rc + eps), rows combined in fixed chunks
  const T h = parallel_reduce(
      Index{0}, total, Index{4096}, T(0),
      [&](Index lo, Index hi) {
        T part = T(0);
        for (Index i = lo; i < hi; ++i) part += -sv[i] * std::log(sv[i] + eps);
        return part;
      },
      [](T acc, T part) { return acc + part; });
  Var<T> out = tape.make(Shape{}, {s});
  tape.mutable_value(out)[0] = rows == 0 ? std::numeric_limits<T>::quiet_NaN() : h / T(rows);
  // ds_rc = -(log(s_rc + eps) + s_rc / (s_rc + eps)) g / rows
  tape.on_backward(out, [s, out, rows, total, eps](Tape<T>& t) {
    if (!t.requires_grad(s) || rows == 0) return;
    const T k = t.grad(out)[0] / T(rows);
    const T* sv = t.value(s).data();
    T* ds = t.grad(s).data();
    for (Index i = 0; i < total; ++i) {
      ds[i] -= k * (std::log(sv[i] + eps) + sv[i] / (sv[i] + eps));
    }
  });
  return out;
}

template <class T>
DiffPoolOutput<T> dense_diff_pool(Var<T> x, Var<T> adj, Var<T> s,
                                  std::span<const std::uint8_t> mask,
                                  const DenseDiffPoolOptions& options) {
  const DenseCoarsening<T> coarse = dense_coarsen("dense_diff_pool", x, adj, s, mask, 1.0);
  DiffPoolOutput<T> out;
  out.s = coarse.s;
  out.x = coarse.x;
  out.adj = coarse.adj;
  out.link_loss = diff_pool_link_loss(coarse.input_adj, out.s, options.normalize_);
  out.entropy_loss = diff_pool_entropy_loss(out.s);
  return out;
}

#define GRAPHPOOL_INSTANTIATE_DIFF_POOL(T)                                                 \
  template DiffPoolOutput<T> dense_diff_pool(                                              \
      Var<T>, Var<T>, Var<T>, std::span<const std::uint8_t>, const DenseDiffPoolOptions&); \
  template Var<T> diff_pool_link_loss(Var<T>, Var<T>, bool);                               \
  template Var<T> diff_pool_entropy_loss(Var<T>);

GRAPHPOOL_INSTANTIATE_DIFF_POOL(float)
GRAPHPOOL_INSTANTIATE_DIFF_POOL(double)

}  // namespace graphpool
