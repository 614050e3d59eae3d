#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/activation.hpp"
#include "core/dropout.hpp"
#include "core/errors.hpp"
#include "core/init.hpp"
#include "core/linear.hpp"
#include "core/ops.hpp"
#include "core/parallel.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

struct TwoLayer : Module<double> {
  explicit TwoLayer(Generator& gen)
      : fc1(LinearOptions(3, 4), gen), fc2(LinearOptions(4, 2).bias(false), gen) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Var<double> forward(Var<double> x) { return fc2.forward(act.forward(fc1.forward(x))); }
  Linear<double> fc1, fc2;
  ReLU<double> act;
};

TEST(Module, ParametersAreNamedInRegistrationOrder) {
  Generator gen(3);
  TwoLayer net(gen);
  auto named = net.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "fc1.weight");
  EXPECT_EQ(named[1].first, "fc1.bias");
  EXPECT_EQ(named[2].first, "fc2.weight");
  EXPECT_EQ(named[0].second->value.shape(), (Shape{3, 4}));
  net.eval();
  EXPECT_FALSE(net.fc1.is_training());
  net.train();
  EXPECT_TRUE(net.fc2.is_training());
}

TEST(Module, LinearGradcheckIncludingParameters) {
  Generator gen(4);
  TwoLayer net(gen);
  auto r = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return net.forward(in[0]); },
      {testing::random_tensor({5, 3}, 31)}, net.parameters());
  EXPECT_TRUE(r.ok) << r.report;
  net.zero_grad();
  for (auto* p : net.parameters()) EXPECT_EQ(p->grad.flat().cwiseAbs().sum(), 0.0);
}

TEST(Init, LinearMatchesTorchKaimingBounds) {
  Generator gen(5);
  Linear<double> fc(LinearOptions(64, 500), gen);
  const double bound = 1.0 / std::sqrt(64.0);  // kaiming_uniform(a = sqrt 5) on fan_in 64
  const auto w = fc.weight().value.flat();
  EXPECT_LE(w.maxCoeff(), bound);
  EXPECT_GE(w.minCoeff(), -bound);
  EXPECT_GT(w.maxCoeff(), 0.95 * bound);  // 32,000 draws reach the edges
  EXPECT_LT(w.minCoeff(), -0.95 * bound);
  EXPECT_NEAR(w.mean(), 0.0, 0.01);
  // Variance of U(-b, b) is b^2 / 3.
  EXPECT_NEAR(w.array().square().mean(), bound * bound / 3, 0.02 * bound * bound);
  const auto b = fc.bias()->value.flat();
  EXPECT_LE(b.cwiseAbs().maxCoeff(), bound);
  Tensor<double> g({100, 28});
  glorot_uniform(g, 100, 28, CounterRng(1, 2));
  EXPECT_LE(g.flat().cwiseAbs().maxCoeff(), std::sqrt(6.0 / 128));
  EXPECT_GT(g.flat().cwiseAbs().maxCoeff(), 0.95 * std::sqrt(6.0 / 128));
}

TEST(Dropout, SeededMaskScalesKeptAndIsIdentityInEval) {
  Generator gen(7);
  Dropout<double> drop(0.5, gen);
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({100, 100}, 1.0));
  Var<double> y = drop.forward(x);
  Index kept = 0;
  for (double v : y.value().values()) {
    EXPECT_TRUE(v == 0.0 || v == 2.0);
    kept += v != 0.0;
  }
  EXPECT_NEAR(kept / 10000.0, 0.5, 0.03);
  tape.backward(sum(y));
  for (Index i = 0; i < 10000; ++i) EXPECT_EQ(tape.grad(x)[i], y.value()[i]);
  // The next call draws a new stream; a new generator with the same seed repeats the first mask.
  Var<double> y2 = drop.forward(x);
  EXPECT_NE(y2.value().flat(), y.value().flat());
  Generator again(7);
  Dropout<double> drop_again(0.5, again);
  EXPECT_EQ(drop_again.forward(x).value().flat(), y.value().flat());
  drop.eval();
  EXPECT_EQ(drop.forward(x).value().flat(), x.value().flat());
  EXPECT_THROW(Dropout<double>(1.0, gen), ValueError);
}

TEST(Dropout, MaskIsUniformAtLeastPAgainstANaiveLoop) {
  // kept (scaled by 1 / (1 - p)) exactly where rng.uniform(i) >= p, for float and double
  for (double p : {0.1, 0.25, 1.0 / 3, 0.5, 0.9}) {
    const CounterRng rng(3, 17);
    Tape<double> tape;
    Var<double> x = tape.leaf(Tensor<double>({300, 129}, 3.0));
    const Tensor<double> y = dropout(x, p, true, rng).value();
    Tape<float> tape_f;
    Var<float> xf = tape_f.leaf(Tensor<float>({300, 129}, 3.0f));
    const Tensor<float> yf = dropout(xf, static_cast<float>(p), true, rng).value();
    for (Index i = 0; i < y.numel(); ++i) {
      const bool kept = rng.uniform(static_cast<std::uint64_t>(i)) >= p;
      ASSERT_EQ(y[i], kept ? 3.0 * (1.0 / (1.0 - p)) : 0.0) << p << " at " << i;
      const bool kept_f =
          rng.uniform(static_cast<std::uint64_t>(i)) >= static_cast<double>(static_cast<float>(p));
      ASSERT_EQ(yf[i], kept_f ? 3.0f * (1.0f / (1.0f - static_cast<float>(p))) : 0.0f)
          << p << " at " << i;
    }
  }
}

TEST(Dropout, GradcheckWithFixedMask) {
  auto r = testing::gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) {
        return dropout(in[0], 0.3, true, CounterRng(9, 9));
      },
      {testing::random_tensor({6, 7}, 41)});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Dropout, MaskIsIndependentOfThreadCount) {
  auto run = [](int threads) {
    ThreadLimit limit(threads);
    Tape<float> tape;
    Var<float> x = tape.leaf(Tensor<float>({513, 77}, 1.0f));
    return Tensor<float>(dropout(x, 0.4f, true, CounterRng(11, 3)).value());
  };
  Tensor<float> one = run(1), two = run(2);
  EXPECT_EQ(std::memcmp(one.data(), two.data(), sizeof(float) * one.numel()), 0);
}

}  // namespace
}  // namespace graphpool
