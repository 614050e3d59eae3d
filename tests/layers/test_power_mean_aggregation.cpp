// Power-mean aggregation (layers/power_mean_aggregation.hpp): naive reference with PyG's clamps,
// gradchecks with p as a parameter, the clamping rules, permutation invariance, thread counts.
#include "layers/power_mean_aggregation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/errors.hpp"
#include "layers/readout.hpp"
#include "tests/layers/aggregation_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;

Tensor<double> naive_power_mean(const Tensor<double>& x, const std::vector<double>& p,
                                const std::vector<Index>& ptr) {
  const Index G = static_cast<Index>(ptr.size()) - 1, F = x.cols();
  Tensor<double> out({G, F});
  for (Index g = 0; g < G; ++g) {
    for (Index f = 0; f < F; ++f) {
      const double pf = p.size() == 1 ? p[0] : p[static_cast<std::size_t>(f)];
      double acc = 0;
      const Index n = ptr[g + 1] - ptr[g];
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        const double v = x(i, f) < 0 ? 0 : (x(i, f) > 100 ? 100 : x(i, f));
        acc += std::pow(v, pf);
      }
      double m = n > 0 ? acc / static_cast<double>(n) : 0.0;
      m = m < 0 ? 0 : (m > 100 ? 100 : m);
      out(g, f) = std::pow(m, 1.0 / pf);
    }
  }
  return out;
}

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};

// values in [0.2, 3] away from the clamp kinks at 0 and 100
Tensor<double> positive_x(Index rows, Index cols, std::uint64_t seed) {
  return random_tensor({rows, cols}, seed, 0.2, 3.0);
}

TEST(PowerMeanAggregation, MatchesNaiveLoopIncludingClamps) {
  Tensor<double> x = random_tensor({11, 4}, 1, -1, 3);
  x(5, 0) = 150;  // > 100: clamped to 100
  x(6, 1) = 99.5;
  for (const std::vector<double>& p : {std::vector<double>{2.0}, std::vector<double>{0.5},
                                       std::vector<double>{1.0, 3.0, 0.7, 4.0}}) {
    Tape<double> tape;
    Var<double> out = power_mean_aggregation(
        tape.leaf(x), tape.leaf(Tensor<double>({static_cast<Index>(p.size())}, p)), kPtr);
    testing::expect_close(naive_power_mean(x, p, kPtr), out.value(), 1e-13, "out");
    for (Index f = 0; f < 4; ++f) EXPECT_EQ(out.value()(1, f), 0.0) << "empty graph gives 0";
  }
}

TEST(PowerMeanAggregation, MeanOfPowersAbove100IsClampedBeforeTheRoot) {
  // p = 2 on {100, 100}: mean of squares 10000 -> clamped to 100 -> sqrt = 10 (PyG's clamp)
  Tensor<double> x({2, 1}, std::vector<double>{100, 100});
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  const std::vector<Index> ptr{0, 2};  // kept alive until backward
  Var<double> out = power_mean_aggregation(xv, tape.leaf(Tensor<double>({1}, 2.0)), ptr);
  EXPECT_DOUBLE_EQ(out.value()[0], 10.0);
  // the clamped mean passes no gradient (torch's clamp backward outside [0, 100])
  tape.backward(out, Tensor<double>({1, 1}, 1.0));
  EXPECT_EQ(xv.grad()[0], 0.0);
  EXPECT_EQ(xv.grad()[1], 0.0);
}

TEST(PowerMeanAggregation, NegativeAndTooLargeFeaturesGetNoGradient) {
  Tensor<double> x({4, 1}, std::vector<double>{-1.5, 2.0, 120.0, 3.0});
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  // p = 0.5 keeps the mean of powers (about 3.3) inside [0, 100]
  Var<double> p = tape.leaf(Tensor<double>({1}, 0.5));
  const std::vector<Index> ptr{0, 4};  // kept alive until backward
  Var<double> out = power_mean_aggregation(xv, p, ptr);
  tape.backward(out, Tensor<double>({1, 1}, 1.0));
  EXPECT_EQ(xv.grad()[0], 0.0);
  EXPECT_EQ(xv.grad()[2], 0.0);
  EXPECT_GT(xv.grad()[1], 0.0);
  EXPECT_GT(xv.grad()[3], 0.0);
}

TEST(PowerMeanAggregation, GradcheckWithLearnablePower) {
  for (Index channels : {Index(1), Index(3)}) {
    PowerMeanAggregation<double> agg(
        PowerMeanAggregationOptions().learn(true).p(1.5).channels(channels));
    for (Index c = 0; c < channels; ++c) agg.p()->value[c] = 1.5 + 0.7 * static_cast<double>(c);
    auto result = gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) { return agg.forward(in[0], kPtr); },
        {positive_x(11, 3, 2)}, agg.parameters());
    EXPECT_TRUE(result.ok) << "channels " << channels << ": " << result.report;
  }
}

TEST(PowerMeanAggregation, GradcheckWithNegativeFeaturesAndFractionalPower) {
  // negative features (clamped to 0) away from 0 so finite differences do not cross the kink
  Tensor<double> x = positive_x(11, 2, 3);
  for (Index i = 0; i < 11; i += 3) x(i, 0) = -0.5 - 0.1 * static_cast<double>(i);
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return power_mean_aggregation(in[0], in[1], kPtr);
      },
      {x, Tensor<double>({1}, 0.6)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(PowerMeanAggregation, ConstantPowerOneIsThePlainMeanWithoutClamping) {
  PowerMeanAggregation<double> agg;
  const Tensor<double> x = random_tensor({11, 3}, 4, -5, 5);
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  testing::expect_close(global_mean_pool(xv, kPtr).value(), agg.forward(xv, kPtr).value(), 0,
                        "p = 1");
  // a learnable p = 1 clamps (PyG: p is a tensor then)
  PowerMeanAggregation<double> learned(PowerMeanAggregationOptions().learn(true));
  const Tensor<double> clamped = learned.forward(xv, kPtr).value();
  EXPECT_TRUE(clamped(0, 0) >= 0 && clamped(3, 1) >= 0);
}

TEST(PowerMeanAggregation, InvariantToNodeOrderInsideEachGraph) {
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 5);
  PowerMeanAggregation<double> agg(PowerMeanAggregationOptions().learn(true).p(2.2).channels(4));
  testing::expect_permutation_invariant(
      [&](Var<double> x, std::span<const Index> p) { return agg.forward(x, p); },
      positive_x(ptr.back(), 4, 6), ptr, agg.parameters());
}

TEST(PowerMeanAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 7);
  PowerMeanAggregation<float> agg(PowerMeanAggregationOptions().learn(true).p(1.7));
  testing::expect_thread_count_independent(
      [&](Var<float> x, std::span<const Index> p) { return agg.forward(x, p); },
      testing::random_tensor_float({ptr.back(), 16}, 8, -0.5f, 2.f), ptr, agg.parameters());
}

TEST(PowerMeanAggregation, RejectsBadOptionsAndShapes) {
  EXPECT_THROW(PowerMeanAggregation<float>(PowerMeanAggregationOptions().channels(2)), ValueError);
  EXPECT_THROW(PowerMeanAggregation<float>(PowerMeanAggregationOptions().p(0)), ValueError);
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({4, 3}, 9));
  EXPECT_THROW(
      power_mean_aggregation(x, tape.leaf(Tensor<double>({2}, 1.0)), std::vector<Index>{0, 4}),
      ShapeError);
}

}  // namespace
}  // namespace graphpool
