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
    if (!std::isnan(s)) {
      EXPECT_NEAR(avg[p], s / 196, 1e-6) << "plane " << p;
    }
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

TEST(GlobalPool2d, BlockedPlaneKernelsMatchScanForEveryLength) {
  // plane lengths around the 4-vector blocks, single vectors and tails (float: 8 lanes, double 4)
  for (Index n : {1, 3, 7, 8, 15, 16, 31, 32, 33, 47, 63, 64, 65, 100, 196, 257}) {
    SCOPED_TRACE("plane length " + std::to_string(n));
    Tensor<float> x = testing::random_tensor_float({2, 3, 1, n}, 77);
    Tensor<double> xd = testing::random_tensor({2, 3, 1, n}, 78);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    x[1 * n + n / 2] = nan;   // plane 1: NaN mid-plane
    x[2 * n + n - 1] = nan;   // plane 2: NaN in the tail
    x[3 * n + n - 1] = 9.0f;  // plane 3: the maximum is the last element
    for (Index i = 0; i < n; ++i) x[4 * n + i] = -std::numeric_limits<float>::infinity();
    xd[5 * n + (n > 8 ? 8 : 0)] = 9.0;  // plane 5: the max in the second vector
    Tensor<float> mx, avg;
    Tensor<double> mxd, avgd;
    global_max_pool2d(x, mx);
    global_avg_pool2d(x, avg);
    global_max_pool2d(xd, mxd);
    global_avg_pool2d(xd, avgd);
    for (Index p = 0; p < 6; ++p) {
      const float* b = x.data() + p * n;
      const double* bd = xd.data() + p * n;
      float m = b[0];
      double md = bd[0], s = 0, sd = 0;
      for (Index i = 1; i < n; ++i) {
        if (b[i] > m || std::isnan(b[i])) m = b[i];
        if (bd[i] > md) md = bd[i];
      }
      for (Index i = 0; i < n; ++i) {
        s += b[i];
        sd += bd[i];
      }
      EXPECT_EQ(std::isnan(mx[p]), std::isnan(m)) << "plane " << p;
      if (!std::isnan(m)) {
        EXPECT_EQ(mx[p], m) << "plane " << p;
      }
      EXPECT_EQ(std::isnan(avg[p]), std::isnan(s)) << "plane " << p;
      if (std::isinf(s)) {
        EXPECT_EQ(avg[p], s) << "plane " << p;
      } else if (!std::isnan(s)) {
        EXPECT_NEAR(avg[p], s / static_cast<double>(n), 1e-6) << "plane " << p;
      }
      EXPECT_EQ(mxd[p], md) << "plane " << p;
      EXPECT_NEAR(avgd[p], sd / static_cast<double>(n), 1e-14) << "plane " << p;
    }
  }
}

}  // namespace
}  // namespace graphpool
