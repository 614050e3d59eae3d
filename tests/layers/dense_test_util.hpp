#pragma once
// Naive dense references shared by the DiffPool / MinCut / dense batch tests (test code only).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/parallel.hpp"
#include "core/tape.hpp"
#include "core/tensor.hpp"

namespace graphpool::testing {

// softmax over the last axis of s [B, N, C] (exp / sum with the max shift), times mask.
inline Tensor<double> naive_assignment(const Tensor<double>& s,
                                       const std::vector<std::uint8_t>& mask, double temp = 1.0) {
  const Index B = s.dim(0), N = s.dim(1), C = s.dim(2);
  Tensor<double> out(s.shape());
  for (Index b = 0; b < B; ++b) {
    for (Index n = 0; n < N; ++n) {
      double m = -1e300, z = 0;
      for (Index c = 0; c < C; ++c) m = std::max(m, s[(b * N + n) * C + c] / temp);
      for (Index c = 0; c < C; ++c) z += std::exp(s[(b * N + n) * C + c] / temp - m);
      const double keep = mask.empty() || mask[static_cast<std::size_t>(b * N + n)] ? 1.0 : 0.0;
      for (Index c = 0; c < C; ++c) {
        out[(b * N + n) * C + c] = std::exp(s[(b * N + n) * C + c] / temp - m) / z * keep;
      }
    }
  }
  return out;
}

// out[b] = a[b]^T c[b] for a [B, N, P], c [B, N, Q] -> [B, P, Q], by triple loops.
inline Tensor<double> naive_at_b(const Tensor<double>& a, const Tensor<double>& c) {
  const Index B = a.dim(0), N = a.dim(1), P = a.dim(2), Q = c.dim(2);
  Tensor<double> out(Shape{B, P, Q});
  for (Index b = 0; b < B; ++b)
    for (Index p = 0; p < P; ++p)
      for (Index q = 0; q < Q; ++q) {
        double acc = 0;
        for (Index n = 0; n < N; ++n) acc += a[(b * N + n) * P + p] * c[(b * N + n) * Q + q];
        out[(b * P + p) * Q + q] = acc;
      }
  return out;
}

// out[b] = a[b] c[b] for a [B, M, K], c [B, K, Q].
inline Tensor<double> naive_bmm(const Tensor<double>& a, const Tensor<double>& c) {
  const Index B = a.dim(0), M = a.dim(1), K = a.dim(2), Q = c.dim(2);
  Tensor<double> out(Shape{B, M, Q});
  for (Index b = 0; b < B; ++b)
    for (Index m = 0; m < M; ++m)
      for (Index q = 0; q < Q; ++q) {
        double acc = 0;
        for (Index k = 0; k < K; ++k) acc += a[(b * M + m) * K + k] * c[(b * K + k) * Q + q];
        out[(b * M + m) * Q + q] = acc;
      }
  return out;
}

// x [B, N, F] with rows of masked-out nodes zeroed.
inline Tensor<double> naive_mask(const Tensor<double>& x, const std::vector<std::uint8_t>& mask) {
  Tensor<double> out = x;
  const Index F = x.dim(2), R = x.dim(0) * x.dim(1);
  for (Index r = 0; r < R; ++r)
    if (!mask.empty() && !mask[static_cast<std::size_t>(r)])
      for (Index f = 0; f < F; ++f) out[r * F + f] = 0;
  return out;
}

// A symmetric non-negative random adjacency [B, N, N] with zero diagonal (entries 0 or U(0.5, 2)),
// zero outside the first n_b nodes of each batch.
inline Tensor<double> random_dense_adj(Index B, Index N, const std::vector<Index>& sizes,
                                       std::uint64_t seed) {
  Tensor<double> adj(Shape{B, N, N});
  std::uint64_t k = 0;
  const double scale = 1.0 / 4294967296.0;
  for (Index b = 0; b < B; ++b)
    for (Index i = 0; i < sizes[b]; ++i)
      for (Index j = i + 1; j < sizes[b]; ++j) {
        std::uint64_t h = (seed + 0x9E3779B97F4A7C15ULL * ++k);
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 29;
        const double u = static_cast<double>(h >> 32) * scale;
        if (u < 0.5) continue;
        const double w = 0.5 + 1.5 * (u - 0.5) * 2;
        adj[(b * N + i) * N + j] = adj[(b * N + j) * N + i] = w;
      }
  return adj;
}

inline std::vector<std::uint8_t> mask_of(Index B, Index N, const std::vector<Index>& sizes) {
  std::vector<std::uint8_t> m(static_cast<std::size_t>(B * N), 0);
  for (Index b = 0; b < B; ++b)
    for (Index i = 0; i < sizes[b]; ++i) m[static_cast<std::size_t>(b * N + i)] = 1;
  return m;
}

// A double tensor as precision T.
template <class T>
Tensor<T> cast_tensor(const Tensor<double>& t) {
  Tensor<T> out(t.shape());
  for (Index i = 0; i < t.numel(); ++i) out[i] = static_cast<T>(t[i]);
  return out;
}

// A tensor of precision T widened to double (exact).
template <class T>
Tensor<double> cast_tensor_to_double(const Tensor<T>& t) {
  Tensor<double> out(t.shape());
  for (Index i = 0; i < t.numel(); ++i) out[i] = static_cast<double>(t[i]);
  return out;
}

// The value of a scalar `pooled(tape, x, adj, s)` of a dense pooling layer, run in precision T
// with `threads` threads (0: no limit), and its gradients in x and s (adj is a constant), widened
// to double.
struct DensePoolRun {
  double value = 0;
  Tensor<double> grad_x, grad_s;
};
template <class T, class Pooled>
DensePoolRun run_dense_pool(const Tensor<double>& x, const Tensor<double>& adj,
                            const Tensor<double>& s, Pooled&& pooled, int threads = 0) {
  std::optional<ThreadLimit> limit;
  if (threads > 0) limit.emplace(threads);
  Tape<T> tape;
  Var<T> xv = tape.leaf(cast_tensor<T>(x)), sv = tape.leaf(cast_tensor<T>(s));
  Var<T> f = pooled(tape, xv, tape.constant(cast_tensor<T>(adj)), sv);
  tape.backward(f);
  DensePoolRun run;
  run.value = static_cast<double>(f.value().item());
  run.grad_x = cast_tensor_to_double(xv.grad());
  run.grad_s = cast_tensor_to_double(sv.grad());
  return run;
}

// `pooled` in float agrees with double: gradients in x and s within 1e-4, the value within 1e-4
// relative.
template <class Pooled>
void expect_float_agrees_with_double(const Tensor<double>& x, const Tensor<double>& adj,
                                     const Tensor<double>& s, Pooled&& pooled) {
  const DensePoolRun f = run_dense_pool<float>(x, adj, s, pooled);
  const DensePoolRun d = run_dense_pool<double>(x, adj, s, pooled);
  for (Index i = 0; i < x.numel(); ++i) EXPECT_NEAR(f.grad_x[i], d.grad_x[i], 1e-4);
  for (Index i = 0; i < s.numel(); ++i) EXPECT_NEAR(f.grad_s[i], d.grad_s[i], 1e-4);
  EXPECT_NEAR(f.value, d.value, 1e-4 * std::max(1.0, std::abs(d.value)));
}

// `pooled` in double gives the same bytes (value and gradients) with 1 and 2 threads.
template <class Pooled>
void expect_thread_count_independent(const Tensor<double>& x, const Tensor<double>& adj,
                                     const Tensor<double>& s, Pooled&& pooled) {
  const DensePoolRun one = run_dense_pool<double>(x, adj, s, pooled, 1);
  const DensePoolRun two = run_dense_pool<double>(x, adj, s, pooled, 2);
  EXPECT_EQ(std::memcmp(&one.value, &two.value, sizeof one.value), 0);
  EXPECT_EQ(std::memcmp(one.grad_x.data(), two.grad_x.data(), sizeof(double) * x.numel()), 0);
  EXPECT_EQ(std::memcmp(one.grad_s.data(), two.grad_s.data(), sizeof(double) * s.numel()), 0);
}

}  // namespace graphpool::testing
