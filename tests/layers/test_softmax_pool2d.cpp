#include "layers/softmax_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/max_pool2d.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::max_abs_diff;

TEST(SoftmaxPool2d, MatchesGoldenCase) {
  testing::expect_golden("softmax_pool2d_b0_5_k2s2", [](Var<double> x) {
    return softmax_pool2d(x, SoftmaxPool2dOptions(2).stride(2).beta(0.5));
  });
}

TEST(SoftmaxPool2d, MatchesNaiveLoop) {
  const Tensor<double> x = testing::random_tensor({2, 3, 7, 8}, 41, -3, 3);
  Tensor<double> got;
  softmax_pool2d(x, SoftmaxPool2dOptions(3).stride(2).padding(1).beta(1.7), got);
  ASSERT_EQ(got.shape(), (Shape{2, 3, 4, 4}));
  for (Index n = 0; n < 2; ++n)
    for (Index c = 0; c < 3; ++c)
      for (Index oh = 0; oh < 4; ++oh)
        for (Index ow = 0; ow < 4; ++ow) {
          double z = 0, s = 0;  // unshifted: inputs are small
          for (auto [h, w] : testing::naive_window(oh, ow, 7, 8, 3, 3, 2, 2, 1, 1)) {
            z += std::exp(1.7 * x(n, c, h, w));
            s += std::exp(1.7 * x(n, c, h, w)) * x(n, c, h, w);
          }
          EXPECT_NEAR(got(n, c, oh, ow), s / z, 1e-13);
        }
}

TEST(SoftmaxPool2d, BetaZeroIsAverageAndLargeBetaIsMax) {
  const Tensor<double> x = testing::random_tensor({2, 3, 8, 10}, 42, -2, 2);
  Tensor<double> soft, avg, mx;
  softmax_pool2d(x, SoftmaxPool2dOptions(2).beta(0.0), soft);
  avg_pool2d(x, AvgPool2dOptions(2), avg);
  EXPECT_LT(max_abs_diff(soft, avg), 1e-15);
  // gaps between window values are >~1e-3, so exp(-beta gap) vanishes for beta = 1e6
  softmax_pool2d(x, SoftmaxPool2dOptions(2).beta(1e6), soft);
  max_pool2d(x, MaxPool2dOptions(2), mx);
  EXPECT_LT(max_abs_diff(soft, mx), 1e-12);
  softmax_pool2d(x, SoftmaxPool2dOptions(2).beta(50.0), soft);
  EXPECT_LT(max_abs_diff(soft, mx), 0.1);
  EXPECT_GT(max_abs_diff(soft, mx), 0.0);
}

TEST(SoftmaxPool2d, StableForHugeInputs) {
  Tensor<float> x(Shape{1, 1, 2, 2}, 0.f);
  x[0] = 1e4f;
  x[1] = 1e4f - 1.f;
  x[2] = -1e4f;
  Tensor<float> y;
  softmax_pool2d(x, SoftmaxPool2dOptions(2), y);
  const double e = std::exp(-1.0);
  EXPECT_NEAR(y[0], (1e4 + e * (1e4 - 1)) / (1 + e), 1e-2);
}

TEST(SoftmaxPool2d, GradcheckDouble) {
  for (double beta : {0.0, 0.5, 2.0, -1.0}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return softmax_pool2d(in[0], SoftmaxPool2dOptions(3).stride(2).padding(1).beta(beta));
        },
        {testing::random_tensor({2, 2, 7, 8}, 14)});
    EXPECT_TRUE(result.ok) << "beta = " << beta << ": " << result.report;
  }
  Tensor<double> y;
  EXPECT_THROW(
      softmax_pool2d(Tensor<double>(Shape{1, 1, 4, 4}), SoftmaxPool2dOptions(2).beta(INFINITY), y),
      ValueError);
}

}  // namespace
}  // namespace graphpool
