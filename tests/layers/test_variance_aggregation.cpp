// Variance / standard deviation (layers/variance_aggregation.hpp): two-pass naive reference,
// gradchecks, PyG's std threshold, permutation invariance, thread counts.
#include "layers/variance_aggregation.hpp"

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

// two-pass biased variance: sum (x - mean)^2 / n
Tensor<double> naive_var(const Tensor<double>& x, const std::vector<Index>& ptr) {
  const Index G = static_cast<Index>(ptr.size()) - 1, F = x.cols();
  Tensor<double> out({G, F});
  for (Index g = 0; g < G; ++g) {
    const Index n = ptr[g + 1] - ptr[g];
    if (n == 0) continue;
    for (Index f = 0; f < F; ++f) {
      double mean = 0;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) mean += x(i, f) / static_cast<double>(n);
      double acc = 0;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) acc += (x(i, f) - mean) * (x(i, f) - mean);
      out(g, f) = acc / static_cast<double>(n);
    }
  }
  return out;
}

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};

TEST(VarAggregation, MatchesTwoPassNaiveLoop) {
  const Tensor<double> x = random_tensor({11, 4}, 1, -3, 3);
  Tape<double> tape;
  Var<double> var = global_var_pool(tape.leaf(x), kPtr);
  testing::expect_close(naive_var(x, kPtr), var.value(), 1e-13, "var");
}

TEST(StdAggregation, MatchesNaiveSqrtAndZeroesSmallVariances) {
  Tensor<double> x = random_tensor({11, 4}, 2, -3, 3);
  for (Index i = 4; i < 9; ++i) x(i, 2) = 0.25;  // constant feature in graph 3: var 0
  x(4, 3) = 1.0, x(5, 3) = 1.001;                // tiny spread: var < 1e-5
  for (Index i = 6; i < 9; ++i) x(i, 3) = 1.0005;
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> s = global_std_pool(xv, kPtr);
  const Tensor<double> var = naive_var(x, kPtr);
  for (Index g = 0; g < 5; ++g) {
    for (Index f = 0; f < 4; ++f) {
      const double v = var(g, f);
      const double want = v <= 1e-5 ? 0.0 : std::sqrt(v);  // PyG: clamp, sqrt, masked_fill
      EXPECT_NEAR(want, s.value()(g, f), 1e-12) << "g " << g << " f " << f;
    }
  }
  EXPECT_EQ(s.value()(2, 0), 0.0) << "single node";
  EXPECT_EQ(s.value()(1, 0), 0.0) << "empty graph";
  EXPECT_EQ(s.value()(3, 2), 0.0) << "constant feature";
  EXPECT_EQ(s.value()(3, 3), 0.0) << "variance below 1e-5";
  // the zeroed entries pass no gradient
  Tensor<double> seed({5, 4}, 0.0);
  seed(3, 2) = 1.0, seed(3, 3) = 1.0, seed(2, 1) = 1.0;
  tape.backward(s, seed);
  for (Index i = 0; i < 11; ++i) {
    EXPECT_EQ(xv.grad()(i, 2), 0.0);
    EXPECT_EQ(xv.grad()(i, 3), 0.0);
    EXPECT_EQ(xv.grad()(i, 1), 0.0);
  }
}

TEST(VarAggregation, GradcheckVarAndStd) {
  auto var = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) { return global_var_pool(in[0], kPtr); },
      {random_tensor({11, 3}, 3)});
  EXPECT_TRUE(var.ok) << var.report;
  // a graph of one node has std 0 (masked, constant in x): still differentiable (0 gradient)
  auto std_dev = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) { return global_std_pool(in[0], kPtr); },
      {random_tensor({11, 3}, 4)});
  EXPECT_TRUE(std_dev.ok) << std_dev.report;
}

TEST(VarAggregation, InvariantToNodeOrderInsideEachGraph) {
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 5);
  const Tensor<double> x = random_tensor({ptr.back(), 4}, 6);
  testing::expect_permutation_invariant(
      [](Var<double> v, std::span<const Index> p) { return global_var_pool(v, p); }, x, ptr);
  testing::expect_permutation_invariant(
      [](Var<double> v, std::span<const Index> p) { return global_std_pool(v, p); }, x, ptr);
}

TEST(VarAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 7);
  const Tensor<float> x = testing::random_tensor_float({ptr.back(), 16}, 8);
  testing::expect_thread_count_independent(
      [](Var<float> v, std::span<const Index> p) { return global_var_pool(v, p); }, x, ptr);
  testing::expect_thread_count_independent(
      [](Var<float> v, std::span<const Index> p) { return global_std_pool(v, p); }, x, ptr);
}

TEST(VarAggregation, ModulesAndErrors) {
  VarAggregation<double> var;
  StdAggregation<double> std_dev;
  Tape<double> tape;
  const Tensor<double> x = random_tensor({11, 2}, 9);
  Var<double> xv = tape.leaf(x);
  testing::expect_close(naive_var(x, kPtr), var.forward(xv, kPtr).value(), 1e-13, "module");
  EXPECT_EQ(std_dev.forward(xv, kPtr).shape(), (Shape{5, 2}));
  EXPECT_THROW(global_var_pool(xv, std::vector<Index>{0, 10}), ShapeError);
}

}  // namespace
}  // namespace graphpool
