#include "layers/dense_diff_pool.hpp"

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

struct DiffCase {
  Index B = 3, N = 5, F = 4, C = 3;
  std::vector<Index> sizes{5, 3, 4};
  Tensor<double> x = random_tensor({3, 5, 4}, 11);
  Tensor<double> s = random_tensor({3, 5, 3}, 12, -2, 2);
  Tensor<double> adj = testing::random_dense_adj(3, 5, {5, 3, 4}, 13);
  std::vector<std::uint8_t> mask = testing::mask_of(3, 5, {5, 3, 4});
};

// A scalar mixing every output, so one gradcheck covers all four.
template <class T>
Var<T> mix(Tape<T>& tape, const DiffPoolOutput<T>& out) {
  Tensor<T> cx(out.x.shape()), ca(out.adj.shape());
  for (Index i = 0; i < cx.numel(); ++i) cx[i] = static_cast<T>(std::sin(1.0 + i));
  for (Index i = 0; i < ca.numel(); ++i) ca[i] = static_cast<T>(std::cos(2.0 + i));
  Var<T> f = add(sum(mul(out.x, tape.constant(cx))), sum(mul(out.adj, tape.constant(ca))));
  return add(f, add(scale(out.link_loss, T(30)), scale(out.entropy_loss, T(3))));
}

TEST(DenseDiffPool, MatchesNaiveLoopsWithMask) {
  DiffCase c;
  Tape<double> tape;
  DiffPoolOutput<double> out =
      dense_diff_pool(tape.leaf(c.x), tape.constant(c.adj), tape.leaf(c.s), c.mask);
  // naive: s = softmax * mask, x = x * mask, x' = s^T x, A' = s^T A s
  Tensor<double> s = testing::naive_assignment(c.s, c.mask);
  Tensor<double> xp = testing::naive_at_b(s, testing::naive_mask(c.x, c.mask));
  Tensor<double> ap = testing::naive_bmm(testing::naive_at_b(s, c.adj), s);
  ASSERT_EQ(out.x.shape(), (Shape{3, 3, 4}));
  ASSERT_EQ(out.adj.shape(), (Shape{3, 3, 3}));
  for (Index i = 0; i < xp.numel(); ++i) EXPECT_NEAR(out.x.value()[i], xp[i], 1e-13);
  for (Index i = 0; i < ap.numel(); ++i) EXPECT_NEAR(out.adj.value()[i], ap[i], 1e-13);
  double link = 0, ent = 0;
  for (Index b = 0; b < c.B; ++b)
    for (Index i = 0; i < c.N; ++i) {
      for (Index j = 0; j < c.N; ++j) {
        double sst = 0;
        for (Index k = 0; k < c.C; ++k)
          sst += s[(b * c.N + i) * c.C + k] * s[(b * c.N + j) * c.C + k];
        const double r = c.adj[(b * c.N + i) * c.N + j] - sst;
        link += r * r;
      }
      for (Index k = 0; k < c.C; ++k) {
        const double v = s[(b * c.N + i) * c.C + k];
        ent -= v * std::log(v + 1e-15);
      }
    }
  EXPECT_NEAR(out.link_loss.value().item(), std::sqrt(link) / (3 * 5 * 5), 1e-15);
  EXPECT_NEAR(out.entropy_loss.value().item(), ent / (3 * 5), 1e-14);
  // padded rows of s are zero
  EXPECT_EQ(out.s.value()[(1 * 5 + 4) * 3 + 0], 0.0);
  // normalize = false drops the division
  DiffPoolOutput<double> raw = dense_diff_pool(tape.leaf(c.x), tape.constant(c.adj), tape.leaf(c.s),
                                               c.mask, DenseDiffPoolOptions().normalize(false));
  EXPECT_NEAR(raw.link_loss.value().item(), std::sqrt(link), 1e-12);
}

TEST(DenseDiffPool, GradcheckAllOutputsInXSAndAdj) {
  DiffCase c;
  auto result = testing::gradcheck(
      [&](Tape<double>& tape, std::span<const Var<double>> in) {
        return mix(tape, dense_diff_pool(in[0], in[1], in[2], c.mask));
      },
      {c.x, c.adj, c.s});
  EXPECT_TRUE(result.ok) << result.report;
  auto unmasked = testing::gradcheck(
      [&](Tape<double>& tape, std::span<const Var<double>> in) {
        return mix(tape, dense_diff_pool(in[0], in[1], in[2]));
      },
      {c.x, c.adj, c.s});
  EXPECT_TRUE(unmasked.ok) << unmasked.report;
}

TEST(DenseDiffPool, LossGradchecks) {
  DiffCase c;
  Tensor<double> s = testing::naive_assignment(c.s, {});
  auto link = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return diff_pool_link_loss(in[0], in[1]);
      },
      {c.adj, s});
  EXPECT_TRUE(link.ok) << link.report;
  auto ent = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return diff_pool_entropy_loss(in[0]); },
      {s});
  EXPECT_TRUE(ent.ok) << ent.report;
}

TEST(DenseDiffPool, RankTwoInputsAreOneBatch) {
  DiffCase c;
  Tensor<double> x2 = random_tensor({5, 4}, 1), s2 = random_tensor({5, 3}, 2);
  Tensor<double> a2 = testing::random_dense_adj(1, 5, {5}, 3);
  Tensor<double> a_flat = a2;
  a_flat.reshape(Shape{5, 5});
  Tape<double> tape;
  DiffPoolOutput<double> two = dense_diff_pool(tape.leaf(x2), tape.leaf(a_flat), tape.leaf(s2));
  EXPECT_EQ(two.x.shape(), (Shape{1, 3, 4}));
  x2.reshape(Shape{1, 5, 4});
  s2.reshape(Shape{1, 5, 3});
  DiffPoolOutput<double> three = dense_diff_pool(tape.leaf(x2), tape.leaf(a2), tape.leaf(s2));
  for (Index i = 0; i < 12; ++i) EXPECT_EQ(two.x.value()[i], three.x.value()[i]);
  EXPECT_EQ(two.link_loss.value().item(), three.link_loss.value().item());
}

TEST(DenseDiffPool, RejectsMismatchedShapes) {
  DiffCase c;
  Tape<double> tape;
  EXPECT_THROW(
      dense_diff_pool(tape.leaf(c.x), tape.leaf(random_tensor({3, 5, 4}, 1)), tape.leaf(c.s)),
      ShapeError);
  EXPECT_THROW(
      dense_diff_pool(tape.leaf(c.x), tape.leaf(c.adj), tape.leaf(random_tensor({2, 5, 3}, 1))),
      ShapeError);
  std::vector<std::uint8_t> short_mask{1, 0};
  EXPECT_THROW(dense_diff_pool(tape.leaf(c.x), tape.leaf(c.adj), tape.leaf(c.s), short_mask),
               ShapeError);
}

TEST(DenseDiffPool, FloatAgreesWithDouble) {
  DiffCase c;
  auto pooled = [&](auto& tape, auto x, auto adj, auto s) {
    return mix(tape, dense_diff_pool(x, adj, s, c.mask));
  };
  testing::expect_float_agrees_with_double(c.x, c.adj, c.s, pooled);
  auto loss = [&](auto&, auto x, auto adj, auto s) {
    return dense_diff_pool(x, adj, s, c.mask).link_loss;
  };
  EXPECT_NEAR(testing::run_dense_pool<float>(c.x, c.adj, c.s, loss).value,
              testing::run_dense_pool<double>(c.x, c.adj, c.s, loss).value, 1e-6);
}

TEST(DenseDiffPool, BitwiseIdenticalForAnyThreadCount) {
  Tensor<double> x = random_tensor({16, 20, 8}, 1), s = random_tensor({16, 20, 5}, 2);
  std::vector<Index> sizes(16, 20);
  Tensor<double> adj = testing::random_dense_adj(16, 20, sizes, 3);
  auto pooled = [](auto& tape, auto xv, auto adj_v, auto sv) {
    return mix(tape, dense_diff_pool(xv, adj_v, sv));
  };
  testing::expect_thread_count_independent(x, adj, s, pooled);
}

}  // namespace
}  // namespace graphpool
