#include "layers/mixed_pool2d.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/max_pool2d.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::max_abs_diff;

TEST(MixedPool2d, MatchesGoldenFixedAlpha) {
  testing::expect_golden("mixed_pool2d_a0_3_k2s2", [](Var<double> x) {
    return mixed_pool2d(x, MixedPool2dOptions(2).stride(2).alpha(0.3));
  });
}

TEST(MixedPool2d, MatchesGoldenLearnableAlphaWithItsGradient) {
  testing::GoldenCase c = testing::load_golden("mixed_pool2d_learnable_alpha");
  MixedPool2d<double> pool(
      MixedPool2dOptions(2).alpha(c.tensor("param_alpha")[0]).mode(MixedAlpha::kLearnable));
  ASSERT_EQ(pool.parameters().size(), 1u);
  Tape<double> tape;
  Var<double> x = tape.leaf(c.tensor("in_x"));
  Var<double> y = pool.forward(x);
  EXPECT_LT(max_abs_diff(y.value(), c.tensor("out")), 1e-12);
  tape.backward(y, c.tensor("grad_out"));
  EXPECT_LT(max_abs_diff(tape.grad(x), c.tensor("grad_x")), 1e-12);
  EXPECT_NEAR(pool.alpha_parameter()->grad[0], c.tensor("grad_alpha")[0], 1e-10);
}

TEST(MixedPool2d, IsTheMixOfMaxAndAverage) {
  const Tensor<float> x = testing::random_tensor_float({2, 3, 9, 11}, 51);
  for (bool include_pad : {true, false}) {
    Tensor<float> mixed, mx, avg;
    mixed_pool2d(
        x, MixedPool2dOptions(3).stride(2).padding(1).alpha(0.25).count_include_pad(include_pad),
        mixed);
    max_pool2d(x, MaxPool2dOptions(3).stride(2).padding(1), mx);
    avg_pool2d(x, AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(include_pad), avg);
    for (Index i = 0; i < mixed.numel(); ++i)
      EXPECT_NEAR(mixed[i], 0.25f * mx[i] + 0.75f * avg[i], 1e-6f);
  }
}

TEST(MixedPool2d, GradcheckDoubleIncludingAlpha) {
  Parameter<double> alpha{"alpha", Tensor<double>(Shape{}, 0.35)};
  auto result = testing::gradcheck(
      [&](Tape<double>& tape, std::span<const Var<double>> in) {
        return mixed_pool2d(in[0], MixedPool2dOptions(3).stride(2).padding(1).ceil_mode(true),
                            tape.parameter(alpha));
      },
      {testing::random_tensor({2, 2, 7, 8}, 15)}, {&alpha});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(MixedPool2d, SampledAlphaIsSeededAndFreshPerForward) {
  Generator g1(7), g2(7);
  MixedPool2d<float> a(MixedPool2dOptions(2).mode(MixedAlpha::kSampled), &g1);
  MixedPool2d<float> b(MixedPool2dOptions(2).mode(MixedAlpha::kSampled), &g2);
  const Tensor<float> x = testing::random_tensor_float({1, 2, 4, 4}, 52);
  Tape<float> tape;
  Var<float> xv = tape.constant(x);
  std::vector<double> seen;
  for (int i = 0; i < 3; ++i) {
    Var<float> ya = a.forward(xv);
    Var<float> yb = b.forward(xv);
    EXPECT_EQ(a.last_alpha(), b.last_alpha());
    EXPECT_TRUE(testing::bitwise_equal(ya.value(), yb.value()));
    EXPECT_GE(a.last_alpha(), 0.0);
    EXPECT_LT(a.last_alpha(), 1.0);
    seen.push_back(a.last_alpha());
  }
  EXPECT_NE(seen[0], seen[1]);
  a.eval();
  a.forward(xv);
  EXPECT_EQ(a.last_alpha(), 0.5);
  EXPECT_THROW(MixedPool2d<float>(MixedPool2dOptions(2).mode(MixedAlpha::kSampled)), ValueError);
}

}  // namespace
}  // namespace graphpool
