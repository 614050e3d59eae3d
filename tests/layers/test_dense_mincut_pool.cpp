#include "layers/dense_mincut_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "tests/layers/dense_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

struct MinCutCase {
  Index B = 3, N = 5, F = 4, C = 3;
  Tensor<double> x = random_tensor({3, 5, 4}, 21);
  Tensor<double> s = random_tensor({3, 5, 3}, 22, -2, 2);
  Tensor<double> adj = testing::random_dense_adj(3, 5, {5, 4, 4}, 23);
  std::vector<std::uint8_t> mask = testing::mask_of(3, 5, {5, 4, 4});
};

template <class T>
Var<T> mix(Tape<T>& tape, const MinCutPoolOutput<T>& out) {
  Tensor<T> cx(out.x.shape()), ca(out.adj.shape());
  for (Index i = 0; i < cx.numel(); ++i) cx[i] = static_cast<T>(std::sin(1.0 + i));
  for (Index i = 0; i < ca.numel(); ++i) ca[i] = static_cast<T>(std::cos(2.0 + i));
  Var<T> f = add(sum(mul(out.x, tape.constant(cx))), sum(mul(out.adj, tape.constant(ca))));
  return add(f, add(scale(out.mincut_loss, T(3)), scale(out.ortho_loss, T(2))));
}

TEST(DenseMinCutPool, MatchesNaiveLoopsWithMaskAndTemperature) {
  MinCutCase c;
  const double temp = 0.8;
  Tape<double> tape;
  MinCutPoolOutput<double> out =
      dense_mincut_pool(tape.leaf(c.x), tape.constant(c.adj), tape.leaf(c.s), c.mask,
                        DenseMinCutPoolOptions().temp(temp));
  const Index B = c.B, N = c.N, C = c.C;
  Tensor<double> s = testing::naive_assignment(c.s, c.mask, temp);
  Tensor<double> xp = testing::naive_at_b(s, testing::naive_mask(c.x, c.mask));
  Tensor<double> ap = testing::naive_bmm(testing::naive_at_b(s, c.adj), s);
  for (Index i = 0; i < xp.numel(); ++i) EXPECT_NEAR(out.x.value()[i], xp[i], 1e-13);
  double mincut = 0, ortho = 0;
  for (Index b = 0; b < B; ++b) {
    // mincut: -tr(s^T A s) / tr(s^T D s)
    double num = 0, den = 0;
    for (Index k = 0; k < C; ++k) num += ap[(b * C + k) * C + k];
    for (Index i = 0; i < N; ++i) {
      double d = 0;
      for (Index j = 0; j < N; ++j) d += c.adj[(b * N + i) * N + j];
      for (Index k = 0; k < C; ++k) den += d * s[(b * N + i) * C + k] * s[(b * N + i) * C + k];
    }
    mincut += -(num / den) / B;
    // ortho: || ss / ||ss|| - I / sqrt(C) ||
    double ss[3][3] = {}, n2 = 0;
    for (Index p = 0; p < C; ++p)
      for (Index q = 0; q < C; ++q) {
        for (Index i = 0; i < N; ++i) ss[p][q] += s[(b * N + i) * C + p] * s[(b * N + i) * C + q];
        n2 += ss[p][q] * ss[p][q];
      }
    double m2 = 0;
    for (Index p = 0; p < C; ++p)
      for (Index q = 0; q < C; ++q) {
        const double m = ss[p][q] / std::sqrt(n2) - (p == q ? 1 / std::sqrt(3.0) : 0.0);
        m2 += m * m;
      }
    ortho += std::sqrt(m2) / B;
    // adjacency: zero diagonal, then a_ij / (sqrt(d_i) + eps) / (sqrt(d_j) + eps)
    double r[3];
    for (Index i = 0; i < C; ++i) {
      double d = 0;
      for (Index j = 0; j < C; ++j) d += i == j ? 0 : ap[(b * C + i) * C + j];
      r[i] = std::sqrt(d) + 1e-15;
    }
    for (Index i = 0; i < C; ++i)
      for (Index j = 0; j < C; ++j) {
        const double want = i == j ? 0.0 : ap[(b * C + i) * C + j] / r[i] / r[j];
        EXPECT_NEAR(out.adj.value()[(b * C + i) * C + j], want, 1e-13);
      }
  }
  EXPECT_NEAR(out.mincut_loss.value().item(), mincut, 1e-13);
  EXPECT_NEAR(out.ortho_loss.value().item(), ortho, 1e-13);
  EXPECT_LT(out.mincut_loss.value().item(), 0.0);
}

TEST(DenseMinCutPool, GradcheckAllOutputsInXSAndAdj) {
  MinCutCase c;
  for (double temp : {1.0, 0.6}) {
    auto result = testing::gradcheck(
        [&](Tape<double>& tape, std::span<const Var<double>> in) {
          return mix(tape, dense_mincut_pool(in[0], in[1], in[2], c.mask,
                                             DenseMinCutPoolOptions().temp(temp)));
        },
        {c.x, c.adj, c.s});
    EXPECT_TRUE(result.ok) << "temp " << temp << ": " << result.report;
  }
}

TEST(DenseMinCutPool, LossAndNormalizeGradchecks) {
  MinCutCase c;
  Tensor<double> s = testing::naive_assignment(c.s, {});
  auto cut = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return mincut_loss(in[0], in[1]); },
      {c.adj, s});
  EXPECT_TRUE(cut.ok) << cut.report;
  auto ortho = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return mincut_ortho_loss(in[0]); },
      {s});
  EXPECT_TRUE(ortho.ok) << ortho.report;
  // a positive coarse adjacency (with a diagonal that must be ignored)
  Tensor<double> coarse = random_tensor({2, 4, 4}, 5, 0.2, 2.0);
  auto norm = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return mincut_normalize_adj(in[0]); },
      {coarse});
  EXPECT_TRUE(norm.ok) << norm.report;
}

TEST(DenseMinCutPool, RejectsBadInputs) {
  MinCutCase c;
  Tape<double> tape;
  EXPECT_THROW(
      dense_mincut_pool(tape.leaf(c.x), tape.leaf(random_tensor({3, 4, 4}, 1)), tape.leaf(c.s)),
      ShapeError);
  EXPECT_THROW(dense_mincut_pool(tape.leaf(c.x), tape.leaf(c.adj), tape.leaf(c.s), {},
                                 DenseMinCutPoolOptions().temp(-1)),
               ValueError);
  EXPECT_THROW(mincut_normalize_adj(tape.leaf(random_tensor({2, 3, 4}, 1))), ShapeError);
}

TEST(DenseMinCutPool, FloatAgreesWithDouble) {
  MinCutCase c;
  auto pooled = [&](auto& tape, auto x, auto adj, auto s) {
    return mix(tape, dense_mincut_pool(x, adj, s, c.mask));
  };
  testing::expect_float_agrees_with_double(c.x, c.adj, c.s, pooled);
  auto loss = [&](auto&, auto x, auto adj, auto s) {
    return dense_mincut_pool(x, adj, s, c.mask).mincut_loss;
  };
  EXPECT_NEAR(testing::run_dense_pool<float>(c.x, c.adj, c.s, loss).value,
              testing::run_dense_pool<double>(c.x, c.adj, c.s, loss).value, 1e-5);
}

TEST(DenseMinCutPool, BitwiseIdenticalForAnyThreadCount) {
  Tensor<double> x = random_tensor({16, 20, 8}, 1), s = random_tensor({16, 20, 5}, 2);
  std::vector<Index> sizes(16, 20);
  Tensor<double> adj = testing::random_dense_adj(16, 20, sizes, 3);
  auto pooled = [](auto& tape, auto xv, auto adj_v, auto sv) {
    return mix(tape, dense_mincut_pool(xv, adj_v, sv));
  };
  testing::expect_thread_count_independent(x, adj, s, pooled);
}

}  // namespace
}  // namespace graphpool
