// AttentionalAggregation (layers/attentional_aggregation.hpp): naive reference with a Linear gate
// and a Linear nn, gradcheck with parameters, permutation invariance, thread counts.
#include "layers/attentional_aggregation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/errors.hpp"
#include "core/linear.hpp"
#include "core/ops.hpp"
#include "tests/layers/aggregation_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};

// y = x W + b, written out
std::vector<double> affine(const Tensor<double>& x, Index i, Linear<double>& fc) {
  const Tensor<double>& W = fc.weight().value;
  std::vector<double> y(static_cast<std::size_t>(W.cols()));
  for (Index o = 0; o < W.cols(); ++o) {
    double z = fc.bias()->value[o];
    for (Index f = 0; f < W.rows(); ++f) z += x(i, f) * W(f, o);
    y[static_cast<std::size_t>(o)] = z;
  }
  return y;
}

struct Nets {
  Generator gen{1};
  Linear<double> gate{LinearOptions(4, 1), gen};
  Linear<double> nn{LinearOptions(4, 3), gen};
  AttentionalAggregation<double> att{gate, [this](Var<double> h) { return gate.forward(h); }, nn,
                                     [this](Var<double> h) { return tanh(nn.forward(h)); }};
};

TEST(AttentionalAggregation, MatchesNaiveLoopWithGateAndNn) {
  Nets n;
  const Tensor<double> x = random_tensor({11, 4}, 2);
  Tensor<double> want({5, 3});
  for (Index g = 0; g < 5; ++g) {
    double den = 0;
    for (Index i = kPtr[g]; i < kPtr[g + 1]; ++i) den += std::exp(affine(x, i, n.gate)[0]);
    for (Index i = kPtr[g]; i < kPtr[g + 1]; ++i) {
      const double a = std::exp(affine(x, i, n.gate)[0]) / den;
      const std::vector<double> h = affine(x, i, n.nn);
      for (Index o = 0; o < 3; ++o) want(g, o) += a * std::tanh(h[static_cast<std::size_t>(o)]);
    }
  }
  Tape<double> tape;
  testing::expect_close(want, n.att.forward(tape.leaf(x), kPtr).value(), 1e-13, "out");
  EXPECT_EQ(n.att.parameters().size(), 4u) << "gate and nn parameters are registered";
}

TEST(AttentionalAggregation, IdentityNnWeightsTheInputs) {
  Generator gen(3);
  Linear<double> gate(LinearOptions(2, 1), gen);
  AttentionalAggregation<double> att(gate, [&](Var<double> h) { return gate.forward(h); });
  // all-zero gate weights: uniform attention = mean
  gate.weight().value.fill(0);
  const Tensor<double> x = random_tensor({11, 2}, 4);
  Tape<double> tape;
  const Tensor<double> out = att.forward(tape.leaf(x), kPtr).value();
  EXPECT_NEAR(out(3, 1), (x(4, 1) + x(5, 1) + x(6, 1) + x(7, 1) + x(8, 1)) / 5, 1e-14);
  EXPECT_EQ(out(1, 0), 0.0) << "empty graph";
}

TEST(AttentionalAggregation, GradcheckWithParameters) {
  Nets n;
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return n.att.forward(in[0], kPtr); },
      {random_tensor({11, 4}, 5)}, n.att.parameters());
  EXPECT_TRUE(result.ok) << result.report;
  auto op = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return attention_weighted_sum(in[0], in[1], kPtr);
      },
      {random_tensor({11, 1}, 6), random_tensor({11, 3}, 7)});
  EXPECT_TRUE(op.ok) << op.report;
}

TEST(AttentionalAggregation, InvariantToNodeOrderInsideEachGraph) {
  Nets n;
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 8);
  testing::expect_permutation_invariant(
      [&](Var<double> v, std::span<const Index> p) { return n.att.forward(v, p); },
      random_tensor({ptr.back(), 4}, 9), ptr, n.att.parameters());
}

TEST(AttentionalAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  Generator gen(10);
  Linear<float> gate(LinearOptions(16, 1), gen);
  AttentionalAggregation<float> att(gate, [&](Var<float> h) { return gate.forward(h); });
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 11);
  testing::expect_thread_count_independent(
      [&](Var<float> v, std::span<const Index> p) { return att.forward(v, p); },
      testing::random_tensor_float({ptr.back(), 16}, 12), ptr, att.parameters());
}

TEST(AttentionalAggregation, RejectsAGateThatIsNotOnePerNode) {
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({4, 3}, 13));
  EXPECT_THROW(attention_weighted_sum(x, x, std::vector<Index>{0, 4}), ShapeError);
}

}  // namespace
}  // namespace graphpool
