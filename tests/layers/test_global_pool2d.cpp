#include "layers/global_pool2d.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.hpp"
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

TEST(GlobalPool2d, WholePlaneKernelsMatchRowMajorScan) {
  // 14 x 14 planes (the peer's size): 8-lane bodies plus a tail; ties and NaNs included
  Tensor<float> x = testing::random_tensor_float({2, 6, 14, 14}, 73);
  for (Index i = 0; i < x.numel(); ++i) x[i] = std::round(x[i] * 2) / 2;  // many tied maxima
  const float nan = std::numeric_limits<float>::quiet_NaN();
  x[5 * 196 + 17] = nan;                    // plane 5: one NaN
  x[7 * 196 + 3] = x[7 * 196 + 150] = nan;  // plane 7: two, the last wins
  x[9 * 196 + 195] = 7.0f;                  // plane 9: the max is the last element
  Tensor<float> mx, avg;
  global_max_pool2d(x, mx);
  global_avg_pool2d(x, avg);
  Tape<float> tape;
  Var<float> xv = tape.leaf(x);
  Var<float> y = global_max_pool2d(xv);
  tape.backward(y, Tensor<float>(y.shape(), 1.0f));
  for (Index p = 0; p < 12; ++p) {
    const float* b = x.data() + p * 196;
    Index arg = 0;  // torch's scan: v > best || isnan(v)
    for (Index i = 1; i < 196; ++i)
      if (b[i] > b[arg] || std::isnan(b[i])) arg = i;
    EXPECT_EQ(std::isnan(mx[p]), std::isnan(b[arg])) << "plane " << p;
    EXPECT_EQ(std::isnan(y.value()[p]), std::isnan(b[arg])) << "plane " << p;
    if (!std::isnan(b[arg])) {
      EXPECT_EQ(mx[p], b[arg]) << "plane " << p;
      EXPECT_EQ(y.value()[p], b[arg]) << "plane " << p;
    }
    for (Index i = 0; i < 196; ++i)
      EXPECT_EQ(tape.grad(xv)[p * 196 + i], i == arg ? 1.0f : 0.0f) << "plane " << p << " " << i;
    double s = 0;
    for (Index i = 0; i < 196; ++i) s += b[i];
    if (!std::isnan(s)) EXPECT_NEAR(avg[p], s / 196, 1e-6) << "plane " << p;
  }
}

TEST(GlobalPool2d, FastKernelsBitwiseIdenticalAcrossThreadCounts) {
  const Tensor<float> x = testing::random_tensor_float({4, 9, 14, 14}, 75);
  auto run = [&](auto op) {
    return testing::run_op(x, op, static_cast<const Tensor<float>*>(nullptr));
  };
  auto gmax = [](Var<float> v) { return global_max_pool2d(v); };
  auto gavg = [](Var<float> v) { return global_avg_pool2d(v); };
  for (int which = 0; which < 2; ++which) {
    testing::OpRun<float> one, two;
    {
      ThreadLimit limit(1);
      one = which == 0 ? run(gmax) : run(gavg);
    }
    {
      ThreadLimit limit(2);
      two = which == 0 ? run(gmax) : run(gavg);
    }
    EXPECT_TRUE(testing::bitwise_equal(one.out, two.out));
    EXPECT_TRUE(testing::bitwise_equal(one.grad_x, two.grad_x));
  }
}

}  // namespace
}  // namespace graphpool
