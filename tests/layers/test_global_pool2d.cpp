#include "layers/global_pool2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

TEST(GlobalPool2d, MatchesGoldenCases) {
  // golden global_max uses amax (splits ties); inputs are continuous, so no ties
  testing::expect_golden("global_max_pool2d", [](Var<double> x) { return global_max_pool2d(x); });
  testing::expect_golden("global_avg_pool2d", [](Var<double> x) { return global_avg_pool2d(x); });
}

TEST(GlobalPool2d, MatchesNaiveLoopAndGradcheck) {
  const Tensor<float> x = testing::random_tensor_float({3, 5, 7, 9}, 71);
  Tensor<float> mx, avg;
  global_max_pool2d(x, mx);
  global_avg_pool2d(x, avg);
  ASSERT_EQ(mx.shape(), (Shape{3, 5}));
  for (Index p = 0; p < 15; ++p) {
    const float* b = x.data() + p * 63;
    EXPECT_EQ(mx[p], *std::max_element(b, b + 63));
    double s = 0;
    for (Index i = 0; i < 63; ++i) s += b[i];
    EXPECT_NEAR(avg[p], s / 63, 1e-6);
  }
  for (auto op : {+[](Var<double> v) { return global_max_pool2d(v); },
                  +[](Var<double> v) { return global_avg_pool2d(v); }}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) { return op(in[0]); },
        {testing::random_tensor({2, 3, 5, 6}, 17)});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

TEST(GlobalPool2d, MaxGradientGoesToFirstArgMax) {
  Tensor<double> x(Shape{1, 1, 3, 3}, 2.0);
  testing::OpRun<double> r = testing::run_op(x, [](Var<double> v) { return global_max_pool2d(v); });
  EXPECT_EQ(r.grad_x[0], 1.0);
  for (Index i = 1; i < 9; ++i) EXPECT_EQ(r.grad_x[i], 0.0);
}

}  // namespace
}  // namespace graphpool
