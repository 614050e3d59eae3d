#include "layers/gcn.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "tests/layers/graph_fixtures.hpp"
#include "tests/support/compare.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_batch;
using testing::random_tensor;

// Independent dense formula: A[t, s] = sum of weights of s -> t, D = rowsum(A) + 1,
// A_hat = D^-1/2 (A + I) D^-1/2.
RowMatrix<double> dense_a_hat(const Graph& g) {
  const Index N = g.num_nodes();
  RowMatrix<double> a = RowMatrix<double>::Identity(N, N);
  const auto t = g.targets();
  for (Index e = 0; e < g.num_edges(); ++e) a(t[e], g.sources()[e]) += g.weight(e);
  Eigen::VectorXd dinv = a.rowwise().sum().array().rsqrt();
  return dinv.asDiagonal() * a * dinv.asDiagonal();
}

Graph small_graph_with_everything() {
  // duplicates (0 -> 1 twice), a self loop (2 -> 2), an isolated node (4), one-way edges
  std::vector<Index> src{0, 0, 1, 2, 3, 1, 3};
  std::vector<Index> dst{1, 1, 0, 2, 1, 3, 0};
  return Graph::from_edges(5, src, dst);
}

TEST(GcnNorm, MatchesDenseFormulaWithDuplicatesSelfLoopsAndIsolatedNodes) {
  Graph g = small_graph_with_everything();
  GcnNorm<double> norm(g);
  RowMatrix<double> expected = dense_a_hat(g);
  EXPECT_LT((norm.dense() - expected).cwiseAbs().maxCoeff(), 1e-15);
  // node 1 has in-edges 0, 0, 3: degree 4; node 4 is isolated: A_hat[4, 4] = 1
  EXPECT_DOUBLE_EQ(norm.deg_inv_sqrt()[1], 0.5);
  EXPECT_DOUBLE_EQ(norm.dense()(4, 4), 1.0);
  // duplicates add up: A_hat[1, 0] = 2 / sqrt(deg 1 = 4 * deg 0 = 3)
  EXPECT_NEAR(norm.dense()(1, 0), 2.0 / std::sqrt(12.0), 1e-15);
}

TEST(GcnNorm, MatchesDenseFormulaOnRandomBatches) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    GraphBatch b = random_batch({4, 7, 1, 0, 9}, seed, 3);
    GcnNorm<double> norm(b.graph());
    EXPECT_LT((norm.dense() - dense_a_hat(b.graph())).cwiseAbs().maxCoeff(), 1e-15);
  }
}

TEST(GcnNorm, UsesEdgeWeightsAsAdjacencyEntries) {
  std::vector<Index> src{0, 1, 2}, dst{1, 2, 0};
  std::vector<double> w{0.5, 2.0, 3.0};
  Graph g = Graph::from_edges(3, src, dst, w);
  GcnNorm<double> norm(g);
  EXPECT_LT((norm.dense() - dense_a_hat(g)).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_NEAR(norm.deg_inv_sqrt()[1], 1 / std::sqrt(1.5), 1e-15);
}

TEST(GcnNorm, PropagateAndTransposeMatchDenseProducts) {
  GraphBatch b = random_batch({6, 3, 8}, 11, 3);
  GcnNorm<double> norm(b.graph());
  const RowMatrix<double> a = dense_a_hat(b.graph());
  Tensor<double> x = random_tensor({b.num_nodes(), 3}, 5);
  Tensor<double> out({b.num_nodes(), 3});
  norm.propagate(x.matrix(), out.matrix());
  EXPECT_LT((out.matrix() - a * x.matrix()).cwiseAbs().maxCoeff(), 1e-14);
  norm.propagate_transpose(x.matrix(), out.matrix());
  EXPECT_LT((out.matrix() - a.transpose() * x.matrix()).cwiseAbs().maxCoeff(), 1e-14);
  // add = true accumulates
  Tensor<double> acc({b.num_nodes(), 3}, 1.0);
  norm.propagate(x.matrix(), acc.matrix(), true);
  EXPECT_LT((acc.matrix().array() - 1.0 - (a * x.matrix()).array()).abs().maxCoeff(), 1e-14);
}

TEST(GcnNorm, EmptyGraphAndShapeErrors) {
  GcnNorm<float> empty(Graph{});
  EXPECT_EQ(empty.num_nodes(), 0);
  Tensor<float> x({0, 4}), out({0, 4});
  EXPECT_NO_THROW(empty.propagate(x.matrix(), out.matrix()));
  GcnNorm<float> norm(small_graph_with_everything());
  Tensor<float> wrong({4, 2}), out2({5, 2});
  EXPECT_THROW(norm.propagate(wrong.matrix(), out2.matrix()), ShapeError);
}

TEST(Gcn, MatchesGoldenCase) {
  auto c = testing::load_golden("gcn");
  const Tensor<double>& x0 = c.tensor("in_x");
  Graph g = testing::graph_from_edge_index(c.indices("in_edge_index"), x0.dim(0));
  GcnNorm<double> norm(g);
  const Tensor<double>& adj = c.tensor("adj_dense");
  EXPECT_LT((norm.dense() - adj.matrix()).cwiseAbs().maxCoeff(), 1e-12);

  Tape<double> tape;
  Var<double> x = tape.leaf(x0);
  Var<double> w = tape.leaf(c.tensor("param_weight"));
  Var<double> b = tape.leaf(c.tensor("param_bias"));
  Var<double> out = gcn_conv(x, norm, w, b);
  EXPECT_LT((out.value().matrix() - c.tensor("out").matrix()).cwiseAbs().maxCoeff(), 1e-12);
  tape.backward(out, c.tensor("grad_out"));
  EXPECT_LT((x.grad().matrix() - c.tensor("grad_x").matrix()).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((w.grad().matrix() - c.tensor("grad_weight").matrix()).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((b.grad().flat() - c.tensor("grad_bias").flat()).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Gcn, MatchesDenseFormulaForward) {
  GraphBatch batch = random_batch({5, 1, 7}, 3);
  GcnNorm<double> norm(batch.graph());
  Tensor<double> x0 = random_tensor({batch.num_nodes(), 4}, 1);
  Tensor<double> w0 = random_tensor({4, 3}, 2);
  Tensor<double> b0 = random_tensor({3}, 3);
  Tape<double> tape;
  Var<double> out = gcn_conv(tape.leaf(x0), norm, tape.leaf(w0), tape.leaf(b0));
  RowMatrix<double> expected = dense_a_hat(batch.graph()) * x0.matrix() * w0.matrix();
  expected.rowwise() += b0.flat().transpose();
  EXPECT_LT((out.value().matrix() - expected).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(Gcn, GradcheckInputWeightAndBias) {
  GraphBatch batch = random_batch({4, 1, 6, 3}, 7, 3);
  GcnNorm<double> norm(batch.graph());
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return gcn_conv(in[0], norm, in[1], in[2]);
      },
      {random_tensor({batch.num_nodes(), 3}, 1), random_tensor({3, 2}, 2), random_tensor({2}, 3)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Gcn, ModuleInitialisesLikePyGAndAccumulatesParameterGradients) {
  Generator gen(4);
  GcnConv<double> conv(GcnConvOptions(6, 10), gen);
  const double bound = std::sqrt(6.0 / 16.0);
  EXPECT_LE(conv.weight().value.flat().cwiseAbs().maxCoeff(), bound);
  EXPECT_GT(conv.weight().value.flat().cwiseAbs().maxCoeff(), 0.5 * bound);
  ASSERT_NE(conv.bias(), nullptr);
  EXPECT_EQ(conv.bias()->value.flat().cwiseAbs().maxCoeff(), 0.0);
  auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");

  GraphBatch batch = random_batch({3, 5}, 9);
  GcnNorm<double> norm(batch.graph());
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return conv.forward(in[0], norm); },
      {random_tensor({batch.num_nodes(), 6}, 1)}, {&conv.weight(), conv.bias()});
  EXPECT_TRUE(result.ok) << result.report;

  GcnConv<double> no_bias(GcnConvOptions(6, 2).bias(false), gen);
  EXPECT_EQ(no_bias.bias(), nullptr);
  EXPECT_EQ(no_bias.parameters().size(), 1u);
}

TEST(Gcn, PermutationEquivariant) {
  GraphBatch batch = random_batch({9}, 21, 3);
  const Index N = batch.num_nodes();
  std::vector<Index> perm = random_permutation(N, CounterRng(3, 0));
  Graph pg = testing::permute_graph(batch.graph(), perm);
  Tensor<double> x0 = random_tensor({N, 4}, 1), px({N, 4});
  for (Index i = 0; i < N; ++i) px.matrix().row(perm[i]) = x0.matrix().row(i);
  Tensor<double> w0 = random_tensor({4, 3}, 2), b0 = random_tensor({3}, 3);
  Tape<double> tape;
  Var<double> out =
      gcn_conv(tape.leaf(x0), GcnNorm<double>(batch.graph()), tape.leaf(w0), tape.leaf(b0));
  Var<double> pout = gcn_conv(tape.leaf(px), GcnNorm<double>(pg), tape.leaf(w0), tape.leaf(b0));
  for (Index i = 0; i < N; ++i) {
    EXPECT_LT(
        (pout.value().matrix().row(perm[i]) - out.value().matrix().row(i)).cwiseAbs().maxCoeff(),
        1e-14);
  }
}

TEST(Gcn, ErrorsNameShapes) {
  GcnNorm<double> norm(small_graph_with_everything());
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({4, 3}));
  EXPECT_THROW(gcn_propagate(x, norm), ShapeError);
  Generator gen(1);
  EXPECT_THROW(GcnConv<double>(GcnConvOptions(0, 3), gen), ValueError);
}

// Both orders: product first (32 -> 16, and 128 -> 128 as in the benchmark, whose GEMMs split
// into several row blocks and gemm_tn tiles) and aggregate first (3 -> 40, 3 -> 128).
TEST(Gcn, OneAndTwoThreadsGiveIdenticalBits) {
  std::vector<Index> sizes;
  for (Index g = 0; g < 64; ++g) sizes.push_back(20 + (g * 7) % 41);
  GraphBatch batch = random_batch(sizes, 5, 4);
  for (auto [in_c, out_c] : {std::pair<Index, Index>{32, 16}, std::pair<Index, Index>{128, 128},
                             std::pair<Index, Index>{3, 40}, std::pair<Index, Index>{3, 128}}) {
    Tensor<float> x0 = testing::random_tensor_float({batch.num_nodes(), in_c}, 1);
    Tensor<float> w0 = testing::random_tensor_float({in_c, out_c}, 2);
    Tensor<float> b0 = testing::random_tensor_float({out_c}, 3);
    Tensor<float> seed = testing::random_tensor_float({batch.num_nodes(), out_c}, 4);
    auto run = [&](int threads) {
      ThreadLimit limit(threads);
      GcnNorm<float> norm(batch.graph());
      Tape<float> tape;
      Var<float> x = tape.leaf(x0), w = tape.leaf(w0), b = tape.leaf(b0);
      Var<float> out = gcn_conv(x, norm, w, b);
      tape.backward(out, seed);
      return std::vector<Tensor<float>>{out.value(), x.grad(), w.grad(), b.grad()};
    };
    auto one = run(1), two = run(2);
    for (std::size_t k = 0; k < one.size(); ++k) {
      EXPECT_TRUE(testing::bitwise_equal(one[k], two[k])) << "tensor " << k << ", in " << in_c;
    }
  }
}

// in < out takes the aggregate-first order (A_hat x) W: same algebra as A_hat (x W).
TEST(Gcn, AggregateFirstOrderMatchesDenseFormulaForward) {
  GraphBatch batch = random_batch({5, 1, 7}, 3);
  GcnNorm<double> norm(batch.graph());
  Tensor<double> x0 = random_tensor({batch.num_nodes(), 3}, 1);
  Tensor<double> w0 = random_tensor({3, 8}, 2);
  Tensor<double> b0 = random_tensor({8}, 3);
  Tape<double> tape;
  Var<double> out = gcn_conv(tape.leaf(x0), norm, tape.leaf(w0), tape.leaf(b0));
  RowMatrix<double> expected = dense_a_hat(batch.graph()) * x0.matrix() * w0.matrix();
  expected.rowwise() += b0.flat().transpose();
  EXPECT_LT((out.value().matrix() - expected).cwiseAbs().maxCoeff(), 1e-14);
  Var<double> no_bias = gcn_conv(tape.leaf(x0), norm, tape.leaf(w0));
  expected.rowwise() -= b0.flat().transpose();
  EXPECT_LT((no_bias.value().matrix() - expected).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(Gcn, AggregateFirstOrderGradcheckInputWeightAndBias) {
  GraphBatch batch = random_batch({4, 1, 6, 3}, 7, 3);
  GcnNorm<double> norm(batch.graph());
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return gcn_conv(in[0], norm, in[1], in[2]);
      },
      {random_tensor({batch.num_nodes(), 2}, 1), random_tensor({2, 5}, 2), random_tensor({5}, 3)});
  EXPECT_TRUE(result.ok) << result.report;
}

// The input's adjoint is written by assignment when nothing was added before and accumulated
// when something was: both must give x.grad = A_hat^T (dout W^T) (+ the other use's gradient).
TEST(Gcn, InputGradientAccumulatesWithOtherUsesInBothOrders) {
  GraphBatch batch = random_batch({6, 4}, 9, 3);
  GcnNorm<double> norm(batch.graph());
  const RowMatrix<double> a = dense_a_hat(batch.graph());
  for (Index out_c : {Index{2}, Index{7}}) {  // product first, aggregate first
    Tensor<double> x0 = random_tensor({batch.num_nodes(), 4}, 1);
    Tensor<double> w0 = random_tensor({4, out_c}, 2);
    Tensor<double> seed = random_tensor({batch.num_nodes(), out_c}, 3);
    Tape<double> tape;
    Var<double> x = tape.leaf(x0);
    // loss = sum(gcn(x) * seed) + 2 sum(x): dx = A_hat^T seed W^T + 2
    Var<double> y = gcn_conv(x, norm, tape.leaf(w0));
    Var<double> loss = add(sum(mul(y, tape.constant(seed))), scale(sum(x), 2.0));
    tape.backward(loss);
    RowMatrix<double> expected = a.transpose() * seed.matrix() * w0.matrix().transpose();
    expected.array() += 2.0;
    EXPECT_LT((x.grad().matrix() - expected).cwiseAbs().maxCoeff(), 1e-12) << "out " << out_c;
  }
}

// Weight and bias adjoints are assigned by the first use and accumulated by the second (a layer
// applied twice with shared parameters): both orders against the dense formula.
TEST(Gcn, WeightAndBiasGradientsAccumulateOverTwoUsesInBothOrders) {
  GraphBatch batch = random_batch({7, 5, 9}, 13, 3);
  GcnNorm<double> norm(batch.graph());
  const RowMatrix<double> a = dense_a_hat(batch.graph());
  for (Index out_c : {Index{3}, Index{9}}) {  // product first, aggregate first
    Tensor<double> x1 = random_tensor({batch.num_nodes(), 5}, 1);
    Tensor<double> x2 = random_tensor({batch.num_nodes(), 5}, 2);
    Tensor<double> w0 = random_tensor({5, out_c}, 3);
    Tensor<double> b0 = random_tensor({out_c}, 4);
    Tensor<double> s1 = random_tensor({batch.num_nodes(), out_c}, 5);
    Tensor<double> s2 = random_tensor({batch.num_nodes(), out_c}, 6);
    Tape<double> tape;
    Var<double> w = tape.leaf(w0), b = tape.leaf(b0);
    Var<double> y1 = gcn_conv(tape.constant(x1), norm, w, b);
    Var<double> y2 = gcn_conv(tape.constant(x2), norm, w, b);
    // loss = sum(y1 * s1) + sum(y2 * s2): dW = sum_i (A_hat x_i)^T s_i, db = sum_i colsum(s_i)
    tape.backward(add(sum(mul(y1, tape.constant(s1))), sum(mul(y2, tape.constant(s2)))));
    const RowMatrix<double> dw =
        (a * x1.matrix()).transpose() * s1.matrix() + (a * x2.matrix()).transpose() * s2.matrix();
    const Eigen::RowVectorXd db = s1.matrix().colwise().sum() + s2.matrix().colwise().sum();
    EXPECT_LT((w.grad().matrix() - dw).cwiseAbs().maxCoeff(), 1e-12) << "out " << out_c;
    EXPECT_LT((b.grad().flat().transpose() - db).cwiseAbs().maxCoeff(), 1e-12) << "out " << out_c;
  }
}

}  // namespace
}  // namespace graphpool
