#include "layers/adaptive_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

TEST(AdaptivePool2d, MatchesGoldenCases) {
  testing::expect_golden("adaptive_max_pool2d_3x2", [](Var<double> x) {
    return adaptive_max_pool2d(x, {3, 2});
  });
  testing::expect_golden("adaptive_avg_pool2d_4x5", [](Var<double> x) {
    return adaptive_avg_pool2d(x, {4, 5});
  });
}

TEST(AdaptivePool2d, MatchesNaiveBins) {
  const Tensor<double> x = testing::random_tensor({2, 2, 9, 7}, 81);
  for (Size2 o : {Size2(3, 2), Size2(4, 5), Size2(9, 7), Size2(5, 3), Size2(12, 10)}) {
    Tape<double> tape;
    Var<double> xv = tape.constant(x);
    Var<double> mx = adaptive_max_pool2d(xv, o);
    Var<double> avg = adaptive_avg_pool2d(xv, o);
    ASSERT_EQ(mx.shape(), (Shape{2, 2, o.h, o.w}));
    for (Index p = 0; p < 4; ++p)
      for (Index i = 0; i < o.h; ++i)
        for (Index j = 0; j < o.w; ++j) {
          const auto h0 = static_cast<Index>(std::floor(double(i) * 9 / o.h));
          const auto h1 = static_cast<Index>(std::ceil(double(i + 1) * 9 / o.h));
          const auto w0 = static_cast<Index>(std::floor(double(j) * 7 / o.w));
          const auto w1 = static_cast<Index>(std::ceil(double(j + 1) * 7 / o.w));
          double best = -std::numeric_limits<double>::infinity(), s = 0;
          for (Index h = h0; h < h1; ++h)
            for (Index w = w0; w < w1; ++w) {
              best = std::max(best, x[(p * 9 + h) * 7 + w]);
              s += x[(p * 9 + h) * 7 + w];
            }
          const Index out = (p * o.h + i) * o.w + j;
          EXPECT_EQ(mx.value()[out], best);
          EXPECT_NEAR(avg.value()[out], s / double((h1 - h0) * (w1 - w0)), 1e-14);
        }
  }
}

TEST(AdaptivePool2d, GradcheckAndInvalidSize) {
  for (Size2 o : {Size2(3, 2), Size2(4, 5)}) {
    auto rmax = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return adaptive_max_pool2d(in[0], o);
        },
        {testing::random_tensor({2, 2, 7, 9}, 18)});
    EXPECT_TRUE(rmax.ok) << rmax.report;
    auto ravg = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return adaptive_avg_pool2d(in[0], o);
        },
        {testing::random_tensor({2, 2, 7, 9}, 19)});
    EXPECT_TRUE(ravg.ok) << ravg.report;
  }
  Tape<double> tape;
  EXPECT_THROW(adaptive_max_pool2d(tape.constant(Tensor<double>(Shape{1, 1, 4, 4})), {0, 2}),
               ValueError);
}

}  // namespace
}  // namespace graphpool
