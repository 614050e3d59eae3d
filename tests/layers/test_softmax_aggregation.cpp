// Softmax aggregation (layers/softmax_aggregation.hpp): naive reference, gradchecks with the
// temperature as a parameter, limits t -> 0 / large t, permutation invariance, thread counts.
#include "layers/softmax_aggregation.hpp"

#include <gtest/gtest.h>

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

// out[g, f] = sum_i exp(t x_i) x_i / sum_j exp(t x_j), written directly (no max shift).
Tensor<double> naive_softmax_aggregation(const Tensor<double>& x, const std::vector<double>& t,
                                         const std::vector<Index>& ptr) {
  const Index G = static_cast<Index>(ptr.size()) - 1, F = x.cols();
  Tensor<double> out({G, F});
  for (Index g = 0; g < G; ++g) {
    for (Index f = 0; f < F; ++f) {
      const double tf = t.size() == 1 ? t[0] : t[static_cast<std::size_t>(f)];
      double num = 0, den = 0;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        num += std::exp(tf * x(i, f)) * x(i, f);
        den += std::exp(tf * x(i, f));
      }
      out(g, f) = den > 0 ? num / den : 0.0;
    }
  }
  return out;
}

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};  // graphs of 3, 0, 1, 5, 2 nodes

TEST(SoftmaxAggregation, MatchesNaiveLoopSharedAndPerChannelTemperature) {
  const Tensor<double> x = random_tensor({11, 4}, 1, -2, 2);
  for (const std::vector<double>& t :
       {std::vector<double>{1.0}, std::vector<double>{-0.7}, std::vector<double>{0.5, 2, -1, 3}}) {
    Tape<double> tape;
    Tensor<double> tt({static_cast<Index>(t.size())}, t);
    Var<double> out = softmax_aggregation(tape.leaf(x), tape.leaf(tt), kPtr);
    testing::expect_close(naive_softmax_aggregation(x, t, kPtr), out.value(), 1e-13, "out");
    for (Index f = 0; f < 4; ++f) EXPECT_EQ(out.value()(1, f), 0.0) << "empty graph gives 0";
  }
}

TEST(SoftmaxAggregation, ZeroTemperatureIsMeanAndLargeTemperatureApproachesMax) {
  const Tensor<double> x = random_tensor({11, 3}, 2);
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> mean = global_mean_pool(xv, kPtr);
  Var<double> max = global_max_pool(xv, kPtr);
  Var<double> t0 = softmax_aggregation(xv, tape.leaf(Tensor<double>({1}, 0.0)), kPtr);
  Var<double> t_big = softmax_aggregation(xv, tape.leaf(Tensor<double>({1}, 200.0)), kPtr);
  testing::expect_close(mean.value(), t0.value(), 1e-14, "t = 0");
  testing::expect_close(max.value(), t_big.value(), 1e-3, "t = 200");
}

TEST(SoftmaxAggregation, StableForLargeInputs) {
  // exp(t x) would overflow without the max shift
  Tensor<double> x({3, 1}, std::vector<double>{800, 799, 10});
  Tape<double> tape;
  Var<double> out = softmax_aggregation(tape.leaf(x), tape.leaf(Tensor<double>({1}, 1.0)),
                                        std::vector<Index>{0, 3});
  const double e1 = std::exp(-1.0);
  EXPECT_NEAR(out.value()[0], (800 + 799 * e1) / (1 + e1), 1e-10);
}

TEST(SoftmaxAggregation, GradcheckWithLearnableTemperature) {
  for (Index channels : {Index(1), Index(4)}) {
    SoftmaxAggregation<double> agg(
        SoftmaxAggregationOptions().learn(true).t(0.8).channels(channels));
    for (Index c = 0; c < channels; ++c) agg.t()->value[c] = 0.8 - 0.4 * static_cast<double>(c);
    auto result = gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) { return agg.forward(in[0], kPtr); },
        {random_tensor({11, 4}, 3, -1.5, 1.5)}, agg.parameters());
    EXPECT_TRUE(result.ok) << "channels " << channels << ": " << result.report;
  }
}

TEST(SoftmaxAggregation, GradcheckFixedTemperatureAndConstantT) {
  SoftmaxAggregation<double> agg(SoftmaxAggregationOptions().t(2.5));
  EXPECT_TRUE(agg.parameters().empty());
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return agg.forward(in[0], kPtr); },
      {random_tensor({11, 3}, 4)});
  EXPECT_TRUE(result.ok) << result.report;
  // t as a plain tape input too
  auto both = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return softmax_aggregation(in[0], in[1], kPtr);
      },
      {random_tensor({11, 3}, 5), random_tensor({3}, 6)});
  EXPECT_TRUE(both.ok) << both.report;
}

TEST(SoftmaxAggregation, InvariantToNodeOrderInsideEachGraph) {
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 7);
  SoftmaxAggregation<double> agg(SoftmaxAggregationOptions().learn(true).channels(5).t(1.3));
  testing::expect_permutation_invariant(
      [&](Var<double> x, std::span<const Index> p) { return agg.forward(x, p); },
      random_tensor({ptr.back(), 5}, 8), ptr, agg.parameters());
}

TEST(SoftmaxAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 9);
  SoftmaxAggregation<float> agg(SoftmaxAggregationOptions().learn(true).t(0.9));
  testing::expect_thread_count_independent(
      [&](Var<float> x, std::span<const Index> p) { return agg.forward(x, p); },
      testing::random_tensor_float({ptr.back(), 16}, 10), ptr, agg.parameters());
}

TEST(SoftmaxAggregation, RejectsBadOptionsAndShapes) {
  EXPECT_THROW(SoftmaxAggregation<float>(SoftmaxAggregationOptions().channels(4)), ValueError);
  EXPECT_THROW(SoftmaxAggregation<float>(SoftmaxAggregationOptions().learn(true).channels(0)),
               ValueError);
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({4, 3}, 11));
  EXPECT_THROW(
      softmax_aggregation(x, tape.leaf(Tensor<double>({2}, 1.0)), std::vector<Index>{0, 4}),
      ShapeError);
  EXPECT_THROW(
      softmax_aggregation(x, tape.leaf(Tensor<double>({1}, 1.0)), std::vector<Index>{0, 3}),
      ShapeError);
}

}  // namespace
}  // namespace graphpool
