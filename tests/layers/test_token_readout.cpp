#include "layers/token_readout.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;

TEST(TokenReadout, ClsTakesTheTokenAtItsPosition) {
  const Tensor<double> x = random_tensor({3, 4, 5}, 1);
  for (Index position : {0, 2}) {
    Tape<double> tape;
    Var<double> xv = tape.leaf(x);
    Var<double> out = cls_token_readout(xv, position);
    ASSERT_EQ(out.shape(), (Shape{3, 5}));
    for (Index n = 0; n < 3; ++n)
      for (Index c = 0; c < 5; ++c) EXPECT_EQ(out.value()(n, c), x[(n * 4 + position) * 5 + c]);
    tape.backward(out, Tensor<double>(out.shape(), 2.0));
    for (Index n = 0; n < 3; ++n)
      for (Index l = 0; l < 4; ++l)
        for (Index c = 0; c < 5; ++c)
          EXPECT_EQ(xv.grad()[(n * 4 + l) * 5 + c], l == position ? 2.0 : 0.0);
  }
}

TEST(TokenReadout, MeanMatchesNaiveLoop) {
  const Tensor<double> x = random_tensor({3, 6, 4}, 2);
  Tape<double> tape;
  Var<double> out = mean_token_readout(tape.leaf(x));
  for (Index n = 0; n < 3; ++n) {
    for (Index c = 0; c < 4; ++c) {
      double expected = 0;
      for (Index l = 0; l < 6; ++l) expected += x[(n * 6 + l) * 4 + c];
      EXPECT_NEAR(out.value()(n, c), expected / 6, 1e-15);
    }
  }
}

TEST(TokenReadout, GradcheckClsAndMean) {
  auto cls = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) { return cls_token_readout(in[0], 1); },
      {random_tensor({2, 3, 4}, 3)});
  EXPECT_TRUE(cls.ok) << cls.report;
  auto mean = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) { return mean_token_readout(in[0]); },
      {random_tensor({2, 3, 4}, 4)});
  EXPECT_TRUE(mean.ok) << mean.report;
}

TEST(TokenReadout, MeanIsInvariantToTokenOrderButClsIsNot) {
  const Index N = 2, L = 5, D = 3;
  const Tensor<double> x = random_tensor({N, L, D}, 5);
  Tensor<double> permuted(x.shape());
  const std::vector<Index> perm = {3, 0, 4, 1, 2};  // moves token 0
  for (Index n = 0; n < N; ++n)
    for (Index l = 0; l < L; ++l)
      for (Index c = 0; c < D; ++c) permuted[(n * L + l) * D + c] = x[(n * L + perm[l]) * D + c];
  Tape<double> tape;
  const Tensor<double> m1 = mean_token_readout(tape.leaf(x)).value();
  const Tensor<double> m2 = mean_token_readout(tape.leaf(permuted)).value();
  for (Index i = 0; i < m1.numel(); ++i) EXPECT_NEAR(m1[i], m2[i], 1e-15);
  const Tensor<double> c1 = cls_token_readout(tape.leaf(x)).value();
  const Tensor<double> c2 = cls_token_readout(tape.leaf(permuted)).value();
  double diff = 0;
  for (Index i = 0; i < c1.numel(); ++i) diff += std::abs(c1[i] - c2[i]);
  EXPECT_GT(diff, 0.1);
}

TEST(TokenReadout, EmptySetsAndBadPositions) {
  Tape<double> tape;
  Var<double> empty = tape.leaf(Tensor<double>({2, 0, 3}));
  Var<double> m = mean_token_readout(empty);
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  for (Index i = 0; i < m.value().numel(); ++i) EXPECT_EQ(m.value()[i], 0.0);
  EXPECT_THROW(cls_token_readout(empty), IndexError);
  Var<double> x = tape.leaf(Tensor<double>({2, 3, 3}));
  EXPECT_THROW(cls_token_readout(x, 3), IndexError);
  EXPECT_THROW(cls_token_readout(x, -1), IndexError);
  EXPECT_THROW(mean_token_readout(tape.leaf(Tensor<double>({2, 3}))), ShapeError);
}

TEST(TokenReadout, ModuleDispatchesAndIsThreadCountIndependent) {
  const Tensor<float> x = testing::random_tensor_float({64, 33, 17}, 6);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    Tape<float> tape;
    TokenReadout<float> mean(TokenReadoutOptions().reduce(TokenReduce::kMean));
    return mean.forward(tape.leaf(x)).value();
  };
  const Tensor<float> a = run(1), b = run(2);
  for (Index i = 0; i < a.numel(); ++i) ASSERT_EQ(a[i], b[i]);
  Tape<float> tape;
  TokenReadout<float> cls(TokenReadoutOptions().position(1));
  EXPECT_EQ(cls.forward(tape.leaf(x)).value()(0, 0), x[17]);
}

}  // namespace
}  // namespace graphpool
