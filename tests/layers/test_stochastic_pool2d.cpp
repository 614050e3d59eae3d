#include "layers/stochastic_pool2d.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

TEST(StochasticPool2d, NegativeInputIsAValueErrorNamingTheValue) {
  Tensor<float> x(Shape{1, 1, 2, 2}, 1.f);
  x[3] = -0.25f;
  Tape<float> tape;
  try {
    stochastic_pool2d(tape.leaf(x), StochasticPool2dOptions(2), std::nullopt);
    ADD_FAILURE();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("got -0.25 at flat position 3"), std::string::npos)
        << e.what();
  }
}

TEST(StochasticPool2d, TrainingPicksAWindowElementAndAllZeroGivesZero) {
  Tensor<double> x = testing::random_tensor({2, 3, 8, 8}, 61, 0, 1);
  for (Index i = 0; i < 4; ++i) x[(i / 2) * 8 + i % 2] = 0.0;  // window (0, 0) of plane 0 is zero
  Generator gen(3);
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> y = stochastic_pool2d(xv, StochasticPool2dOptions(2), gen.next_stream());
  EXPECT_EQ(y.value()[0], 0.0);
  for (Index p = 0; p < 6; ++p)
    for (Index oh = 0; oh < 4; ++oh)
      for (Index ow = 0; ow < 4; ++ow) {
        const double v = y.value()[(p * 4 + oh) * 4 + ow];
        bool found = false;
        for (Index h = 2 * oh; h < 2 * oh + 2; ++h)
          for (Index w = 2 * ow; w < 2 * ow + 2; ++w) found = found || x[(p * 8 + h) * 8 + w] == v;
        EXPECT_TRUE(found);
      }
  tape.backward(y, Tensor<double>(y.shape(), 1.0));
  double total = 0;
  for (Index i = 0; i < x.numel(); ++i) total += tape.grad(xv)[i];
  EXPECT_EQ(total, 6 * 16 - 1);  // one unit per window with a positive element
}

TEST(StochasticPool2d, SamplesWithProbabilityProportionalToActivation) {
  // 20000 copies of the window [1, 2, 3, 4]: frequencies ~ 0.1, 0.2, 0.3, 0.4
  const Index planes = 20000;
  Tensor<float> x(Shape{1, planes, 2, 2});
  for (Index p = 0; p < planes; ++p)
    for (Index i = 0; i < 4; ++i) x[p * 4 + i] = static_cast<float>(i + 1);
  Generator gen(11);
  Tape<float> tape;
  Var<float> y = stochastic_pool2d(tape.constant(x), StochasticPool2dOptions(2), gen.next_stream());
  double freq[4] = {0, 0, 0, 0};
  for (Index p = 0; p < planes; ++p) freq[static_cast<int>(y.value()[p]) - 1] += 1.0 / planes;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(freq[i], 0.1 * (i + 1), 0.012) << i;
}

TEST(StochasticPool2d, EvalIsProbabilityWeightedAverage) {
  const Tensor<double> x = testing::random_tensor({2, 2, 7, 9}, 62, 0, 2);
  Tape<double> tape;
  Var<double> y =
      stochastic_pool2d(tape.constant(x), StochasticPool2dOptions(3).stride(2), std::nullopt);
  ASSERT_EQ(y.shape(), (Shape{2, 2, 3, 4}));
  for (Index p = 0; p < 4; ++p)
    for (Index oh = 0; oh < 3; ++oh)
      for (Index ow = 0; ow < 4; ++ow) {
        double s = 0, q = 0;
        for (auto [h, w] : testing::naive_window(oh, ow, 7, 9, 3, 3, 2, 2, 0, 0)) {
          s += x[(p * 7 + h) * 9 + w];
          q += x[(p * 7 + h) * 9 + w] * x[(p * 7 + h) * 9 + w];
        }
        EXPECT_NEAR(y.value()[(p * 3 + oh) * 4 + ow], q / s, 1e-13);
      }
  auto result = testing::gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) {
        return stochastic_pool2d(in[0], StochasticPool2dOptions(3).stride(2).padding(1),
                                 std::nullopt);
      },
      {testing::random_tensor({2, 2, 7, 8}, 16, 0.1, 1)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(StochasticPool2d, BitwiseIdenticalAcrossThreadCounts) {
  const Tensor<float> x = testing::random_tensor_float({4, 16, 32, 30}, 63, 0, 1);
  auto run = [&] {
    return testing::run_op(x, [](Var<float> v) {
      return stochastic_pool2d(v, StochasticPool2dOptions(3).stride(2), CounterRng(99, 4));
    });
  };
  testing::OpRun<float> one, two;
  {
    ThreadLimit limit(1);
    one = run();
  }
  {
    ThreadLimit limit(2);
    two = run();
  }
  EXPECT_TRUE(testing::bitwise_equal(one.out, two.out));
  EXPECT_TRUE(testing::bitwise_equal(one.grad_x, two.grad_x));
}

TEST(StochasticPool2d, ModuleDrawsFreshStreamsInTrainingOnly) {
  Generator gen(5);
  StochasticPool2d<float> pool(StochasticPool2dOptions(2), gen);
  const Tensor<float> x = testing::random_tensor_float({1, 8, 8, 8}, 64, 0, 1);
  Tape<float> tape;
  Var<float> xv = tape.constant(x);
  Var<float> a = pool.forward(xv);
  Var<float> b = pool.forward(xv);
  EXPECT_FALSE(testing::bitwise_equal(a.value(), b.value()));
  EXPECT_EQ(gen.streams_used(), 2u);
  pool.eval();
  Var<float> c = pool.forward(xv);
  Var<float> d = pool.forward(xv);
  EXPECT_TRUE(testing::bitwise_equal(c.value(), d.value()));
  EXPECT_EQ(gen.streams_used(), 2u);
}

}  // namespace
}  // namespace graphpool
