// Set2Set (layers/set2set.hpp): a naive LSTM + attention loop from the module's parameters,
// gradcheck with parameters, permutation invariance, thread counts, slice_cols.
#include "layers/set2set.hpp"

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

double sigm(double v) {
  return 1 / (1 + std::exp(-v));
}

// torch.nn.LSTM step and PyG's Set2Set loop, one graph at a time, from the parameters.
Tensor<double> naive_set2set(Set2Set<double>& s2s, const Tensor<double>& x,
                             const std::vector<Index>& ptr, Index steps) {
  const Index F = x.cols(), G = static_cast<Index>(ptr.size()) - 1;
  const Tensor<double>& Wih = s2s.weight_ih().value;  // [2F, 4F]
  const Tensor<double>& Whh = s2s.weight_hh().value;  // [F, 4F]
  Tensor<double> out({G, 2 * F});
  for (Index g = 0; g < G; ++g) {
    std::vector<double> h(F, 0.0), c(F, 0.0), qs(2 * F, 0.0);
    for (Index s = 0; s < steps; ++s) {
      std::vector<double> gates(4 * F);
      for (Index j = 0; j < 4 * F; ++j) {
        double z = s2s.bias_ih().value[j] + s2s.bias_hh().value[j];
        for (Index k = 0; k < 2 * F; ++k) z += qs[k] * Wih(k, j);
        for (Index k = 0; k < F; ++k) z += h[k] * Whh(k, j);
        gates[j] = z;
      }
      for (Index j = 0; j < F; ++j) {
        const double i = sigm(gates[j]), f = sigm(gates[F + j]);
        const double gg = std::tanh(gates[2 * F + j]), o = sigm(gates[3 * F + j]);
        c[j] = f * c[j] + i * gg;
        h[j] = o * std::tanh(c[j]);
      }
      std::vector<double> r(F, 0.0);
      double den = 0;
      std::vector<double> e;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        double dot = 0;
        for (Index f = 0; f < F; ++f) dot += x(i, f) * h[f];
        e.push_back(std::exp(dot));
        den += e.back();
      }
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        for (Index f = 0; f < F; ++f) r[f] += e[i - ptr[g]] / den * x(i, f);
      }
      for (Index f = 0; f < F; ++f) qs[f] = h[f], qs[F + f] = r[f];
    }
    for (Index j = 0; j < 2 * F; ++j) out(g, j) = qs[j];
  }
  return out;
}

TEST(Set2Set, MatchesNaiveLstmAttentionLoop) {
  for (Index steps : {Index(1), Index(3)}) {
    Generator gen(1);
    Set2Set<double> s2s(Set2SetOptions(4, steps), gen);
    const Tensor<double> x = random_tensor({11, 4}, 2);
    Tape<double> tape;
    Var<double> out = s2s.forward(tape.leaf(x), kPtr);
    ASSERT_EQ(out.shape(), (Shape{5, 8}));
    testing::expect_close(naive_set2set(s2s, x, kPtr, steps), out.value(), 1e-13,
                          "steps " + std::to_string(steps));
  }
}

TEST(Set2Set, ParametersHaveTorchShapesAndInitBounds) {
  Generator gen(2);
  Set2Set<double> s2s(Set2SetOptions(9, 2), gen);
  EXPECT_EQ(s2s.weight_ih().value.shape(), (Shape{18, 36}));
  EXPECT_EQ(s2s.weight_hh().value.shape(), (Shape{9, 36}));
  EXPECT_EQ(s2s.bias_ih().value.shape(), (Shape{36}));
  double largest = 0;
  for (auto* p : s2s.parameters()) {
    for (Index i = 0; i < p->value.numel(); ++i) largest = std::max(largest, std::abs(p->value[i]));
  }
  EXPECT_LE(largest, 1.0 / 3.0);  // U(-1/sqrt(F), 1/sqrt(F))
  EXPECT_GT(largest, 0.25);
}

TEST(Set2Set, GradcheckWithParameters) {
  Generator gen(3);
  Set2Set<double> s2s(Set2SetOptions(3, 2), gen);
  auto result = gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return s2s.forward(in[0], kPtr); },
      {random_tensor({11, 3}, 4)}, s2s.parameters());
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Set2Set, SliceColsGradcheck) {
  auto result = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) { return slice_cols(in[0], 1, 3); },
      {random_tensor({3, 5}, 5)});
  EXPECT_TRUE(result.ok) << result.report;
  Tape<double> tape;
  EXPECT_THROW(slice_cols(tape.leaf(random_tensor({2, 2}, 6)), 1, 3), IndexError);
}

TEST(Set2Set, InvariantToNodeOrderInsideEachGraph) {
  Generator gen(7);
  Set2Set<double> s2s(Set2SetOptions(4, 3), gen);
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 8);
  testing::expect_permutation_invariant(
      [&](Var<double> v, std::span<const Index> p) { return s2s.forward(v, p); },
      random_tensor({ptr.back(), 4}, 9), ptr, s2s.parameters());
}

TEST(Set2Set, BitwiseIdenticalForOneAndTwoThreads) {
  Generator gen(10);
  Set2Set<float> s2s(Set2SetOptions(16, 2), gen);
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 11);
  testing::expect_thread_count_independent(
      [&](Var<float> v, std::span<const Index> p) { return s2s.forward(v, p); },
      testing::random_tensor_float({ptr.back(), 16}, 12), ptr, s2s.parameters());
}

TEST(Set2Set, RejectsWrongFeatureCount) {
  Generator gen(13);
  Set2Set<double> s2s(Set2SetOptions(4, 1), gen);
  Tape<double> tape;
  EXPECT_THROW(s2s.forward(tape.leaf(random_tensor({3, 5}, 14)), std::vector<Index>{0, 3}),
               ShapeError);
  EXPECT_THROW(Set2Set<double>(Set2SetOptions(0, 1), gen), ValueError);
}

}  // namespace
}  // namespace graphpool
