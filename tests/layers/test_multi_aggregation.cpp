// MultiAggregation (layers/multi_aggregation.hpp): naive mean | max | std concatenation,
// gradcheck, names, permutation invariance, thread counts.
#include "layers/multi_aggregation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/errors.hpp"
#include "tests/layers/aggregation_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};
const std::vector<AggregationKind> kMeanMaxStd{AggregationKind::kMean, AggregationKind::kMax,
                                               AggregationKind::kStd};

TEST(MultiAggregation, MatchesNaiveMeanMaxStdConcatenation) {
  const Tensor<double> x = random_tensor({11, 3}, 1);
  Tensor<double> want({5, 9});
  for (Index g = 0; g < 5; ++g) {
    const Index n = kPtr[g + 1] - kPtr[g];
    if (n == 0) continue;
    for (Index f = 0; f < 3; ++f) {
      double sum = 0, sq = 0, mx = -1e300;
      for (Index i = kPtr[g]; i < kPtr[g + 1]; ++i) {
        sum += x(i, f), sq += x(i, f) * x(i, f), mx = std::max(mx, x(i, f));
      }
      const double mean = sum / static_cast<double>(n);
      const double var = sq / static_cast<double>(n) - mean * mean;
      want(g, f) = mean;
      want(g, 3 + f) = mx;
      want(g, 6 + f) = var <= 1e-5 ? 0.0 : std::sqrt(var);
    }
  }
  MultiAggregation<double> agg{MultiAggregationOptions(kMeanMaxStd)};
  Tape<double> tape;
  testing::expect_close(want, agg.forward(tape.leaf(x), kPtr).value(), 1e-13, "out");
}

TEST(MultiAggregation, GradcheckAllKinds) {
  const std::vector<AggregationKind> all{AggregationKind::kSum, AggregationKind::kMean,
                                         AggregationKind::kMax, AggregationKind::kMin,
                                         AggregationKind::kVar, AggregationKind::kStd};
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return multi_aggregation(in[0], kPtr, std::span<const AggregationKind>(all));
      },
      {random_tensor({11, 3}, 2)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(MultiAggregation, NamesRoundTripAsPyG) {
  for (const char* name : {"sum", "mean", "max", "min", "var", "std"}) {
    EXPECT_STREQ(aggregation_name(aggregation_from_name(name)), name);
  }
  EXPECT_THROW(aggregation_from_name("median"), ValueError);
  EXPECT_THROW(MultiAggregation<float>(MultiAggregationOptions({})), ValueError);
}

TEST(MultiAggregation, InvariantToNodeOrderInsideEachGraph) {
  MultiAggregation<double> agg{MultiAggregationOptions(kMeanMaxStd)};
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 3);
  testing::expect_permutation_invariant(
      [&](Var<double> v, std::span<const Index> p) { return agg.forward(v, p); },
      random_tensor({ptr.back(), 4}, 4), ptr);
}

TEST(MultiAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  MultiAggregation<float> agg{MultiAggregationOptions(kMeanMaxStd)};
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 5);
  testing::expect_thread_count_independent(
      [&](Var<float> v, std::span<const Index> p) { return agg.forward(v, p); },
      testing::random_tensor_float({ptr.back(), 16}, 6), ptr);
}

}  // namespace
}  // namespace graphpool
