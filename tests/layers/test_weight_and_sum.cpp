// WeightAndSum (layers/weight_and_sum.hpp): naive reference from the module's own parameters,
// gradcheck with parameters, permutation invariance, thread counts.
#include "layers/weight_and_sum.hpp"

#include <gtest/gtest.h>

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

TEST(WeightAndSum, MatchesNaiveLoop) {
  Generator gen(1);
  WeightAndSum<double> readout(WeightAndSumOptions(4), gen);
  const Tensor<double> x = random_tensor({11, 4}, 2);
  const Tensor<double>& W = readout.atom_weighting().weight().value;  // [4, 1]
  const double b = readout.atom_weighting().bias()->value[0];
  Tensor<double> want({5, 4});
  for (Index g = 0; g < 5; ++g) {
    for (Index i = kPtr[g]; i < kPtr[g + 1]; ++i) {
      double z = b;
      for (Index f = 0; f < 4; ++f) z += x(i, f) * W(f, 0);
      const double w = 1 / (1 + std::exp(-z));
      for (Index f = 0; f < 4; ++f) want(g, f) += w * x(i, f);
    }
  }
  Tape<double> tape;
  testing::expect_close(want, readout.forward(tape.leaf(x), kPtr).value(), 1e-14, "out");
  EXPECT_EQ(readout.parameters().size(), 2u);
}

TEST(WeightAndSum, GradcheckWithParameters) {
  Generator gen(3);
  WeightAndSum<double> readout(WeightAndSumOptions(3), gen);
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return readout.forward(in[0], kPtr); },
      {random_tensor({11, 3}, 4)}, readout.parameters());
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(WeightAndSum, InvariantToNodeOrderInsideEachGraph) {
  Generator gen(5);
  WeightAndSum<double> readout(WeightAndSumOptions(4), gen);
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 6);
  testing::expect_permutation_invariant(
      [&](Var<double> v, std::span<const Index> p) { return readout.forward(v, p); },
      random_tensor({ptr.back(), 4}, 7), ptr, readout.parameters());
}

TEST(WeightAndSum, BitwiseIdenticalForOneAndTwoThreads) {
  Generator gen(8);
  WeightAndSum<float> readout(WeightAndSumOptions(16), gen);
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 9);
  testing::expect_thread_count_independent(
      [&](Var<float> v, std::span<const Index> p) { return readout.forward(v, p); },
      testing::random_tensor_float({ptr.back(), 16}, 10), ptr, readout.parameters());
}

TEST(WeightAndSum, RejectsWrongFeatureCount) {
  Generator gen(11);
  WeightAndSum<double> readout(WeightAndSumOptions(4), gen);
  Tape<double> tape;
  EXPECT_THROW(readout.forward(tape.leaf(random_tensor({3, 5}, 12)), std::vector<Index>{0, 3}),
               ShapeError);
}

}  // namespace
}  // namespace graphpool
