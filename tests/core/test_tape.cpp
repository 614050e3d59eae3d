#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "core/parallel.hpp"
#include "core/tape.hpp"

namespace graphpool {

TEST(Tape, ValueUsedTwiceGetsSumOfGradients) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({3}, std::vector<double>{1, 2, 3}));
  // y = sum(x * x + x): dy/dx = 2x + 1, x reached through three uses.
  Var<double> y = sum(add(mul(x, x), x));
  tape.backward(y);
  EXPECT_EQ(tape.grad(x)[0], 3);
  EXPECT_EQ(tape.grad(x)[1], 5);
  EXPECT_EQ(tape.grad(x)[2], 7);
  EXPECT_EQ(y.value().item(), 1 + 1 + 4 + 2 + 9 + 3);
}

TEST(Tape, ParameterGradientAccumulatesAcrossBackwardCalls) {
  Parameter<double> w("w", Tensor<double>({2}, std::vector<double>{1, -2}));
  Tape<double> tape;
  for (int step = 0; step < 2; ++step) {
    tape.clear();
    Var<double> pw = tape.parameter(w);
    Var<double> pw2 = tape.parameter(w);  // the same parameter twice in one graph
    tape.backward(sum(mul(pw, pw2)));
  }
  // d sum(w * w)/dw = 2w per backward, two backward calls accumulate.
  EXPECT_EQ(w.grad[0], 4);
  EXPECT_EQ(w.grad[1], -8);
}

TEST(Tape, LargeLeafSeedAndParameterCopiesAreExactForAnyThreadCount) {
  // 300 x 211 = 63,300 elements: the leaf copy, the seed copy and the parameter's accumulation
  // run in several chunks on two threads
  Tensor<float> value({300, 211}), seed({300, 211});
  for (Index i = 0; i < value.numel(); ++i) {
    value[i] = 0.25f * static_cast<float>(i % 977) - 7.0f;
    seed[i] = 0.5f * static_cast<float>(i % 613) + 1.0f;
  }
  for (int threads : {1, 2}) {
    ThreadLimit limit(threads);
    Parameter<float> p("w", value);
    Tape<float> tape;
    for (int pass = 1; pass <= 2; ++pass) {
      tape.clear();
      Var<float> x = tape.leaf(value, false);
      Var<float> w = tape.parameter(p);
      // y = x + w: dy/dw = seed in every pass, summed into p.grad
      Var<float> y = add(x, w);
      tape.backward(y, seed);
      for (Index i = 0; i < value.numel(); ++i) {
        ASSERT_EQ(x.value()[i], value[i]) << i;
        ASSERT_EQ(tape.grad(y)[i], seed[i]) << i;
        ASSERT_EQ(p.grad[i], static_cast<float>(pass) * seed[i]) << "pass " << pass << ", " << i;
      }
    }
  }
}

TEST(Tape, ClearReusesNodeStorage) {
  Tape<float> tape;
  std::vector<const float*> first;
  for (int step = 0; step < 3; ++step) {
    tape.clear();
    Var<float> x = tape.leaf(Tensor<float>({64, 32}, 1.0f));
    Var<float> h = relu(scale(x, 2.0f));
    Var<float> loss = sum(h);
    tape.backward(loss);
    std::vector<const float*> now{x.value().data(), h.value().data(), tape.grad(x).data()};
    if (step == 0)
      first = now;
    else
      EXPECT_EQ(now, first) << "step " << step << " reallocated tape storage";
    EXPECT_EQ(tape.size(), 4);
    EXPECT_FLOAT_EQ(tape.grad(x)[0], 2.0f);
  }
}

TEST(Tape, BackwardRequiresScalarOrMatchingSeed) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({2, 2}, 1.0));
  Var<double> y = scale(x, 3.0);
  EXPECT_THROW(tape.backward(y), ShapeError);
  EXPECT_THROW(tape.backward(y, Tensor<double>({3}, 1.0)), ShapeError);
  tape.backward(y, Tensor<double>({2, 2}, std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(tape.grad(x)[3], 12);
}

TEST(Tape, ConstantsGetNoGradientAndStaleVarsAreRejected) {
  Tape<double> tape;
  Var<double> c = tape.constant(Tensor<double>({2}, 1.0));
  Var<double> x = tape.leaf(Tensor<double>({2}, 2.0));
  Var<double> y = sum(mul(c, x));
  EXPECT_FALSE(c.requires_grad());
  EXPECT_TRUE(y.requires_grad());
  tape.backward(y);
  EXPECT_EQ(tape.grad(x)[0], 1.0);
  tape.clear();
  EXPECT_THROW(tape.value(x), IndexError);
  Tape<double> other;
  Var<double> z = other.leaf(Tensor<double>({2}, 1.0));
  EXPECT_THROW(add(x, z), ValueError);
}

TEST(Tape, AdjointsStartAtZeroInEveryBackwardAndUnreachedNodesReadZero) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({2}, std::vector<double>{1, 2}));
  Var<double> unused = tape.leaf(Tensor<double>({2}, std::vector<double>{5, 6}));
  Var<double> dead = relu(unused);  // recorded, but the loss does not depend on it
  Var<double> y = sum(mul(x, x));
  tape.backward(y);
  EXPECT_EQ(tape.grad(x)[1], 4);
  EXPECT_EQ(tape.grad(unused)[0], 0);
  EXPECT_EQ(tape.grad(dead)[1], 0);
  // a second pass starts from zero again (no accumulation across passes on the tape itself)
  tape.backward(y);
  EXPECT_EQ(tape.grad(x)[0], 2);
  EXPECT_EQ(tape.grad(x)[1], 4);
}

TEST(Tape, GradForWriteIsFreshOnlyOncePerPass) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({3}, 1.0));
  Var<double> y = sum(x);
  tape.backward(y);  // x's adjoint written in this pass
  bool fresh = true;
  tape.grad_for_write(x, fresh);
  EXPECT_FALSE(fresh);
  tape.backward(y);
  EXPECT_EQ(tape.grad(x)[2], 1);  // assigned, not accumulated over the two passes
  tape.clear();
  Var<double> z = tape.leaf(Tensor<double>({3}, 2.0));
  Var<double> w = sum(z);
  tape.backward(w);
  EXPECT_EQ(tape.grad(z)[0], 1);  // reused node storage does not leak the old adjoint
}

TEST(Tape, UnreachedParameterGetsNothingAdded) {
  Parameter<double> p("p", Tensor<double>({2}, 3.0));
  p.grad.fill(0.5);
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({2}, 1.0));
  Var<double> pv = tape.parameter(p);
  Var<double> dead = mul(pv, pv);
  Var<double> y = sum(x);
  tape.backward(y);
  EXPECT_EQ(p.grad[0], 0.5);
  EXPECT_EQ(tape.grad(dead)[0], 0);
}

}  // namespace graphpool
