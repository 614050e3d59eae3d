#include <gtest/gtest.h>

#include <cmath>

#include "core/optim.hpp"

namespace graphpool {

TEST(Adam, OneStepMatchesHandComputation) {
  Parameter<double> w("w", Tensor<double>({2}, std::vector<double>{1.0, -2.0}));
  w.grad = Tensor<double>({2}, std::vector<double>{0.5, 0.25});
  Adam<double> adam({&w}, AdamOptions(0.1).weight_decay(0.01));
  adam.step();
  // g = grad + 0.01 w = (0.51, 0.23); m = 0.1 g; v = 0.001 g^2;
  // m_hat = g, v_hat = g^2 -> w -= 0.1 * g / (|g| + 1e-8) = w - 0.1 sign(g) (almost)
  const double g0 = 0.51, g1 = 0.23;
  const double m0 = 0.1 * g0, v0 = 0.001 * g0 * g0;
  const double expected0 = 1.0 - (0.1 / (1 - 0.9)) * m0 / (std::sqrt(v0) / std::sqrt(1 - 0.999) + 1e-8);
  const double m1 = 0.1 * g1, v1 = 0.001 * g1 * g1;
  const double expected1 = -2.0 - (0.1 / (1 - 0.9)) * m1 / (std::sqrt(v1) / std::sqrt(1 - 0.999) + 1e-8);
  EXPECT_NEAR(w.value[0], expected0, 1e-15);
  EXPECT_NEAR(w.value[1], expected1, 1e-15);
  EXPECT_NEAR(w.value[0], 0.9, 1e-6);
  EXPECT_EQ(adam.step_count(), 1);
  // Second step with a new gradient, by hand from the stored moments.
  w.grad = Tensor<double>({2}, std::vector<double>{-1.0, 0.0});
  const double before0 = w.value[0];
  const double g = -1.0 + 0.01 * before0;
  const double m = 0.9 * m0 + 0.1 * g, v = 0.999 * v0 + 0.001 * g * g;
  const double bc1 = 1 - 0.81, bc2 = 1 - 0.999 * 0.999;
  adam.step();
  EXPECT_NEAR(w.value[0], before0 - (0.1 / bc1) * m / (std::sqrt(v) / std::sqrt(bc2) + 1e-8), 1e-14);
}

TEST(Sgd, MomentumMatchesTorchRule) {
  Parameter<double> w("w", Tensor<double>({1}, std::vector<double>{1.0}));
  Sgd<double> sgd({&w}, SgdOptions(0.1).momentum(0.9));
  w.grad[0] = 1.0;
  sgd.step();  // b = g = 1; w = 1 - 0.1
  EXPECT_DOUBLE_EQ(w.value[0], 0.9);
  sgd.step();  // b = 0.9 * 1 + 1 = 1.9; w = 0.9 - 0.19
  EXPECT_DOUBLE_EQ(w.value[0], 0.9 - 0.19);
  sgd.zero_grad();
  EXPECT_EQ(w.grad[0], 0.0);
}

}  // namespace graphpool
