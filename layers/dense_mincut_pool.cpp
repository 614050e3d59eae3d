#include "layers/dense_mincut_pool.hpp"

#include <cmath>
#include <string>
#include <vector>

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
template <class T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Sum of per-batch values in batch order (deterministic for any thread count).
template <class T>
T sum_in_order(const std::vector<T>& v) {
  T acc = T(0);
  for (T x : v) acc += x;
  return acc;
}

}  // namespace

template <class T>
Var<T> mincut_loss(Var<T> adj, Var<T> s) {
  Tape<T>& tape = *adj.tape;
  check_rank("mincut_loss: adj", adj.shape(), 3);
  check_rank("mincut_loss: s", s.shape(), 3);
  const Index B = adj.shape()[0], N = adj.shape()[1], C = s.shape()[2];
  if (adj.shape()[2] != N || s.shape()[0] != B || s.shape()[1] != N) {
    throw ShapeError("mincut_loss: adj is " + adj.shape().str() + " and s is " + s.shape().str() +
                     "; expected adj [B, N, N] and s [B, N, C]");
  }
  if (B == 0) throw ValueError("mincut_loss: empty batch (B = 0)");
  // per batch: num = sum(S o (A S)), den = sum_i d_i |s_i|^2
  std::vector<T> num(static_cast<std::size_t>(B)), den(static_cast<std::size_t>(B));
  {
    const T* av = adj.value().data();
    const T* sv = s.value().data();
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index b = lo; b < hi; ++b) {
        ConstMat<T> A(av + b * N * N, N, N), S(sv + b * N * C, N, C);
        const RowMatrix<T> AS = A * S;
        num[b] = S.cwiseProduct(AS).sum();
        den[b] = (A.rowwise().sum().asDiagonal() * S).cwiseProduct(S).sum();
      }
    });
  }
  std::vector<T> ratio(static_cast<std::size_t>(B));
  for (Index b = 0; b < B; ++b) ratio[b] = -(num[b] / den[b]);
  Var<T> out = tape.make(Shape{}, {adj, s});
  tape.mutable_value(out)[0] = sum_in_order(ratio) / static_cast<T>(B);
  // k = -g / B;  dS = k ((A + A^T) S / den - num / den^2 2 D S);
  // dA_ij = k (s_i.s_j / den - num / den^2 |s_i|^2)
  tape.on_backward(out,
                   [adj, s, out, B, N, C, num = std::move(num), den = std::move(den)](Tape<T>& t) {
                     const T k = -t.grad(out)[0] / static_cast<T>(B);
                     const T* av = t.value(adj).data();
                     const T* sv = t.value(s).data();
                     const bool need_adj = t.requires_grad(adj), need_s = t.requires_grad(s);
                     T* dadj = need_adj ? t.grad(adj).data() : nullptr;
                     T* ds = need_s ? t.grad(s).data() : nullptr;
                     parallel_for(0, B, 1, [&](Index lo, Index hi) {
                       for (Index b = lo; b < hi; ++b) {
                         ConstMat<T> A(av + b * N * N, N, N), S(sv + b * N * C, N, C);
                         const T a = k / den[b], c = k * num[b] / (den[b] * den[b]);
                         if (need_s) {
                           const Vec<T> d = A.rowwise().sum();
                           Mat<T> dS(ds + b * N * C, N, C);
                           dS.noalias() += a * (A * S + A.transpose() * S);
                           dS.noalias() -= (T(2) * c) * (d.asDiagonal() * S);
                         }
                         if (need_adj) {
                           const Vec<T> sq = S.rowwise().squaredNorm();
                           Mat<T> dA(dadj + b * N * N, N, N);
                           dA.noalias() += a * (S * S.transpose());
                           dA.colwise() -= c * sq;
                         }
                       }
                     });
                   });
  return out;
}

template <class T>
Var<T> mincut_ortho_loss(Var<T> s) {
  Tape<T>& tape = *s.tape;
  check_rank("mincut_ortho_loss: s", s.shape(), 3);
  const Index B = s.shape()[0], N = s.shape()[1], C = s.shape()[2];
  if (B == 0 || C == 0) {
    throw ValueError("mincut_ortho_loss: needs B >= 1 and C >= 1, got s " + s.shape().str());
  }
  const T inv_sqrt_c = T(1) / std::sqrt(static_cast<T>(C));
  std::vector<T> loss(static_cast<std::size_t>(B));
  {
    const T* sv = s.value().data();
    // L_b = || S^T S / ||S^T S|| - I / sqrt(C) ||
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index b = lo; b < hi; ++b) {
        ConstMat<T> S(sv + b * N * C, N, C);
        RowMatrix<T> M = S.transpose() * S;
        M /= M.norm();
        M.diagonal().array() -= inv_sqrt_c;
        loss[b] = M.norm();
      }
    });
  }
  Var<T> out = tape.make(Shape{}, {s});
  tape.mutable_value(out)[0] = sum_in_order(loss) / static_cast<T>(B);
  // G = (g / B) M / L;  H = G / n - SS (SS . G) / n^3;  dS = S (H + H^T)
  tape.on_backward(out, [s, out, B, N, C, inv_sqrt_c, loss = std::move(loss)](Tape<T>& t) {
    if (!t.requires_grad(s)) return;
    const T k = t.grad(out)[0] / static_cast<T>(B);
    const T* sv = t.value(s).data();
    T* ds = t.grad(s).data();
    parallel_for(0, B, 1, [&](Index lo, Index hi) {
      for (Index b = lo; b < hi; ++b) {
        if (!(loss[b] > T(0))) continue;
        ConstMat<T> S(sv + b * N * C, N, C);
        const RowMatrix<T> SS = S.transpose() * S;
        const T n = SS.norm();
        RowMatrix<T> G = SS / n;
        G.diagonal().array() -= inv_sqrt_c;
        G *= k / loss[b];
        const RowMatrix<T> H = G / n - SS * (SS.cwiseProduct(G).sum() / (n * n * n));
        Mat<T>(ds + b * N * C, N, C).noalias() += S * (H + H.transpose());
      }
    });
  });
  return out;
}

template <class T>
Var<T> mincut_normalize_adj(Var<T> adj) {
  Tape<T>& tape = *adj.tape;
  check_rank("mincut_normalize_adj: adj", adj.shape(), 3);
  const Index B = adj.shape()[0], C = adj.shape()[1];
  if (adj.shape()[2] != C) {
    throw ShapeError("mincut_normalize_adj: adj must be [B, C, C], got " + adj.shape().str());
  }
  const T eps = static_cast<T>(kEps);
  // d_i = sum_{j != i} a_ij (diagonal zeroed), r_i = sqrt(d_i) + eps
  std::vector<T> d(static_cast<std::size_t>(B * C)), r(static_cast<std::size_t>(B * C));
  Var<T> out = tape.make(adj.shape(), {adj});
  {
    const T* av = tape.value(adj).data();
    T* y = tape.mutable_value(out).data();
    for (Index b = 0; b < B; ++b) {
      const T* a = av + b * C * C;
      for (Index i = 0; i < C; ++i) {
        T sum = T(0);
        for (Index j = 0; j < C; ++j) sum += i == j ? T(0) : a[i * C + j];
        d[b * C + i] = sum;
        r[b * C + i] = std::sqrt(sum) + eps;
      }
      // out_ij = (a_ij / r_j) / r_i, 0 on the diagonal
      for (Index i = 0; i < C; ++i) {
        for (Index j = 0; j < C; ++j) {
          y[b * C * C + i * C + j] = i == j ? T(0) : (a[i * C + j] / r[b * C + j]) / r[b * C + i];
        }
      }
    }
  }
  // dr_i = -(sum_j g_ij y_ij + sum_j g_ji y_ji) / r_i;  dd_i = dr_i / (2 sqrt(d_i));
  // da_ij = g_ij / (r_i r_j) + dd_i  (i != j; the diagonal gets nothing)
  tape.on_backward(out, [adj, out, B, C, d = std::move(d), r = std::move(r)](Tape<T>& t) {
    if (!t.requires_grad(adj)) return;
    const T* y = t.value(out).data();
    const T* g = t.grad(out).data();
    T* da = t.grad(adj).data();
    for (Index b = 0; b < B; ++b) {
      const Index o = b * C * C;
      std::vector<T> dd(static_cast<std::size_t>(C), T(0));
      for (Index i = 0; i < C; ++i) {
        T acc = T(0);
        for (Index j = 0; j < C; ++j) acc += g[o + i * C + j] * y[o + i * C + j];
        for (Index j = 0; j < C; ++j) acc += g[o + j * C + i] * y[o + j * C + i];
        const T di = d[b * C + i];
        dd[i] = di > T(0) ? -acc / r[b * C + i] / (T(2) * std::sqrt(di)) : T(0);
      }
      for (Index i = 0; i < C; ++i) {
        for (Index j = 0; j < C; ++j) {
          if (i == j) continue;
          da[o + i * C + j] += g[o + i * C + j] / (r[b * C + i] * r[b * C + j]) + dd[i];
        }
      }
    }
  });
  return out;
}

template <class T>
MinCutPoolOutput<T> dense_mincut_pool(Var<T> x, Var<T> adj, Var<T> s,
                                      std::span<const std::uint8_t> mask,
                                      const DenseMinCutPoolOptions& options) {
  const DenseCoarsening<T> coarse =
      dense_coarsen("dense_mincut_pool", x, adj, s, mask, options.temp_);
  MinCutPoolOutput<T> out;
  out.s = coarse.s;
  out.x = coarse.x;
  out.mincut_loss = mincut_loss(coarse.input_adj, out.s);
  out.ortho_loss = mincut_ortho_loss(out.s);
  out.adj = mincut_normalize_adj(coarse.adj);
  return out;
}

#define GRAPHPOOL_INSTANTIATE_MINCUT(T)                                                      \
  template MinCutPoolOutput<T> dense_mincut_pool(                                            \
      Var<T>, Var<T>, Var<T>, std::span<const std::uint8_t>, const DenseMinCutPoolOptions&); \
  template Var<T> mincut_loss(Var<T>, Var<T>);                                               \
  template Var<T> mincut_ortho_loss(Var<T>);                                                 \
  template Var<T> mincut_normalize_adj(Var<T>);

GRAPHPOOL_INSTANTIATE_MINCUT(float)
GRAPHPOOL_INSTANTIATE_MINCUT(double)

}  // namespace graphpool
