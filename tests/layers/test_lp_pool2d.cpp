#include "layers/lp_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::max_abs_diff;

TEST(LpPool2d, MatchesGoldenCases) {
  testing::expect_golden("lp_pool2d_p2_k2s2", [](Var<double> x) {
    return lp_pool2d(x, LpPool2dOptions(2.0, 2).stride(2));
  });
  // p = 3 with true |x|^p (torch's lp_pool2d would use x^3)
  testing::expect_golden("lp_pool2d_p3_k3s2", [](Var<double> x) {
    return lp_pool2d(x, LpPool2dOptions(3.0, 3).stride(2));
  });
}

TEST(LpPool2d, MatchesNaiveLoop) {
  const Tensor<double> x = testing::random_tensor({2, 2, 7, 9}, 31);
  for (double p : {1.0, 1.5, 2.0, 3.0, 4.5})
    for (bool ceil : {false, true}) {
      Tensor<double> got;
      lp_pool2d(x, LpPool2dOptions(p, {3, 2}).stride({2, 3}).ceil_mode(ceil), got);
      const Index OH = testing::naive_out_size(7, 3, 2, 0, 1, ceil);
      const Index OW = testing::naive_out_size(9, 2, 3, 0, 1, ceil);
      ASSERT_EQ(got.shape(), (Shape{2, 2, OH, OW}));
      for (Index n = 0; n < 2; ++n)
        for (Index c = 0; c < 2; ++c)
          for (Index oh = 0; oh < OH; ++oh)
            for (Index ow = 0; ow < OW; ++ow) {
              double s = 0;
              for (auto [h, w] : testing::naive_window(oh, ow, 7, 9, 3, 2, 2, 3, 0, 0))
                s += std::pow(std::abs(x(n, c, h, w)), p);
              EXPECT_NEAR(got(n, c, oh, ow), std::pow(s, 1.0 / p), 1e-13);
            }
    }
}

TEST(LpPool2d, GradcheckDouble) {
  for (double p : {1.0, 2.0, 3.0, 2.5}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return lp_pool2d(in[0], LpPool2dOptions(p, 3).stride(2).ceil_mode(true));
        },
        {testing::random_tensor({2, 2, 7, 8}, 13)});
    EXPECT_TRUE(result.ok) << "p = " << p << ": " << result.report;
  }
}

TEST(LpPool2d, ZeroWindowHasZeroGradientAndInvalidPThrows) {
  Tensor<double> x(Shape{1, 1, 2, 2}, 0.0);
  testing::OpRun<double> r =
      testing::run_op(x, [](Var<double> v) { return lp_pool2d(v, LpPool2dOptions(2.0, 2)); });
  EXPECT_EQ(r.out[0], 0.0);
  for (Index i = 0; i < 4; ++i) EXPECT_EQ(r.grad_x[i], 0.0);
  Tensor<double> y;
  try {
    lp_pool2d(x, LpPool2dOptions(0.5, 2), y);
    ADD_FAILURE();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("got 0.5"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace graphpool
