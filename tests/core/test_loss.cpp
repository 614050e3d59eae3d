#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/loss.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using Inputs = std::span<const Var<double>>;

TEST(Loss, LogSoftmaxAndNllAgainstHandValues) {
  Tape<double> tape;
  Var<double> logits = tape.leaf(Tensor<double>({2, 3}, std::vector<double>{1, 2, 3, 1000, 0, -1000}));
  Var<double> lp = log_softmax(logits);
  const double z = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  EXPECT_NEAR(lp.value()(0, 0), 1 - z, 1e-14);
  EXPECT_NEAR(lp.value()(1, 0), 0.0, 1e-14);  // stable for large logits
  EXPECT_TRUE(std::isfinite(lp.value()(1, 2)));
  std::vector<Index> targets{2, 0};
  Var<double> loss = nll_loss(lp, targets);
  EXPECT_NEAR(loss.value().item(), -((3 - z) + 0.0) / 2, 1e-14);
  Var<double> ce = cross_entropy(logits, targets);
  EXPECT_DOUBLE_EQ(ce.value().item(), loss.value().item());
}

TEST(Loss, Gradcheck) {
  auto x = testing::random_tensor({4, 3}, 21, -2, 2);
  auto r = testing::gradcheck([](Tape<double>&, Inputs in) { return log_softmax(in[0]); }, {x});
  EXPECT_TRUE(r.ok) << r.report;
  r = testing::gradcheck(
      [](Tape<double>&, Inputs in) {
        std::vector<Index> targets{0, 2, 1, 2};
        return cross_entropy(in[0], targets);
      },
      {x});
  EXPECT_TRUE(r.ok) << r.report;
}

TEST(Loss, BadTargetsNameThePosition) {
  Tape<double> tape;
  Var<double> lp = tape.leaf(Tensor<double>({2, 3}));
  std::vector<Index> bad{0, 3};
  try {
    nll_loss(lp, bad);
    FAIL();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("target[1] = 3"), std::string::npos) << e.what();
  }
  std::vector<Index> short_targets{0};
  EXPECT_THROW(nll_loss(lp, short_targets), ShapeError);
}

}  // namespace
}  // namespace graphpool
