#include "layers/sag_pool.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "tests/layers/pool_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

void check_golden(const std::string& name) {
  SCOPED_TRACE(name);
  auto c = testing::load_golden(name);
  GraphBatch batch = testing::golden_batch(c);
  Tape<double> tape;
  Var<double> x = tape.leaf(c.tensor("in_x"));
  Var<double> w = tape.leaf(c.tensor("param_score_weight"));
  Var<double> b = tape.leaf(c.tensor("param_score_bias"));
  const double ratio = c.attribute("ratio")[0];
  PoolOutput<double> out =
      sag_pool(x, batch, GcnNorm<double>(batch.graph()), w, b, SagPoolOptions(4).ratio(ratio));
  testing::expect_matches_golden_forward(c, out);
  tape.backward(out.x, c.tensor("grad_out"));
  EXPECT_LT(testing::max_abs_diff(x.grad(), c.tensor("grad_x")), 1e-12);
  EXPECT_LT(testing::max_abs_diff(w.grad(), c.tensor("grad_score_weight")), 1e-12);
  EXPECT_LT(testing::max_abs_diff(b.grad(), c.tensor("grad_score_bias")), 1e-12);
}

TEST(SagPool, MatchesGoldenRatio0_5) {
  check_golden("sag_pool_ratio0_5");
}
TEST(SagPool, MatchesGoldenRatio0_3) {
  check_golden("sag_pool_ratio0_3");
}

TEST(SagPool, MatchesNaiveReferenceWithTiedScores) {
  // Scores from the dense formula; nodes made structurally identical (same features, no edges)
  // tie exactly and go to the lower id.
  GraphBatch batch = testing::random_batch({6, 1, 9, 0, 4}, 3, 2);
  const Index N = batch.num_nodes();
  Tensor<double> x = random_tensor({N, 3}, 1);
  Tensor<double> w = random_tensor({3, 1}, 2), b = random_tensor({1}, 3);
  // an edgeless graph of identical rows: every score ties
  GraphBatch flat = testing::random_batch({5, 3}, 1, 0, false);
  Tensor<double> same({8, 3}, 0.25);
  for (auto [bb, xx] : {std::pair{&batch, &x}, std::pair{&flat, &same}}) {
    const RowMatrix<double> a = GcnNorm<double>(bb->graph()).dense();
    Eigen::VectorXd s = a * xx->matrix() * w.matrix();
    s.array() += b[0];
    std::vector<Index> want;
    for (Index g = 0; g < bb->num_graphs(); ++g) {
      std::vector<Index> ids;
      for (Index i = bb->node_ptr()[g]; i < bb->node_ptr()[g + 1]; ++i) ids.push_back(i);
      std::stable_sort(ids.begin(), ids.end(), [&](Index u, Index v) { return s[u] > s[v]; });
      const Index n = static_cast<Index>(ids.size());
      ids.resize(static_cast<std::size_t>(std::min<Index>(n, std::ceil(0.5f * float(n)))));
      want.insert(want.end(), ids.begin(), ids.end());
    }
    Tape<double> tape;
    PoolOutput<double> out = sag_pool(tape.leaf(*xx), *bb, GcnNorm<double>(bb->graph()),
                                      tape.leaf(w), tape.leaf(b), SagPoolOptions(3));
    EXPECT_EQ(std::vector<Index>(out.kept().begin(), out.kept().end()), want);
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(out.score.value()[static_cast<Index>(i)], std::tanh(s[want[i]]), 1e-14);
      EXPECT_EQ(out.batch.node_graph()[i], bb->node_graph()[want[i]]);
    }
  }
}

TEST(SagPool, GradcheckFeaturesAndScorerParameters) {
  GraphBatch batch = testing::random_batch({5, 1, 7, 3}, 2, 3);
  const Index N = batch.num_nodes();
  GcnNorm<double> norm(batch.graph());
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return sag_pool(in[0], batch, norm, in[1], in[2], SagPoolOptions(3).ratio(0.5)).x;
      },
      {random_tensor({N, 3}, 1), random_tensor({3, 1}, 2), random_tensor({1}, 3)});
  EXPECT_TRUE(result.ok) << result.report;
  // the module: scorer parameters on the tape, min_score mode and a sigmoid gate
  Generator gen(2);
  for (SagPoolOptions o : {SagPoolOptions(3).ratio(0.3).nonlinearity(PoolNonlinearity::kSigmoid),
                           SagPoolOptions(3).min_score(0.2), SagPoolOptions(3).k(2)}) {
    SagPool<double> pool(o, gen);
    pool.score_gcn().bias()->value[0] = 0.3;  // nonzero so its gradient path is exercised
    auto r = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return pool.forward(in[0], batch).x;
        },
        {random_tensor({N, 3}, 5, -2, 2)}, pool.parameters());
    EXPECT_TRUE(r.ok) << r.report;
  }
}

TEST(SagPool, ModuleNamesParametersLikeThePeer) {
  Generator gen(1);
  SagPool<float> pool(SagPoolOptions(16), gen);
  auto named = pool.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "score_gcn.weight");
  EXPECT_EQ(named[1].first, "score_gcn.bias");
  EXPECT_EQ(named[0].second->value.shape(), (Shape{16, 1}));
  EXPECT_THROW(SagPool<float>(SagPoolOptions(16).ratio(0), gen), ValueError);
}

TEST(SagPool, RejectsANormOfAnotherGraph) {
  GraphBatch batch = testing::random_batch({3, 4}, 1);
  GraphBatch other = testing::random_batch({3, 5}, 1);
  Tape<double> tape;
  EXPECT_THROW(sag_pool(tape.leaf(random_tensor({7, 2}, 1)), batch, GcnNorm<double>(other.graph()),
                        tape.leaf(random_tensor({2, 1}, 2)), tape.leaf(random_tensor({1}, 3)),
                        SagPoolOptions(2)),
               ShapeError);
}

TEST(SagPool, PooledNodeSetIsPermutationEquivariant) {
  GraphBatch batch = testing::random_batch({8, 3, 11}, 12, 3);
  const Index N = batch.num_nodes();
  std::vector<Index> perm = testing::within_graph_permutation(batch, 7);
  GraphBatch pb = testing::permute_batch(batch, perm);
  Tensor<double> x = random_tensor({N, 4}, 1);
  Generator gen(5);
  SagPool<double> pool(SagPoolOptions(4), gen);
  Tape<double> tape;
  PoolOutput<double> a = pool.forward(tape.leaf(x), batch);
  PoolOutput<double> b = pool.forward(tape.leaf(testing::permute_rows(x, perm)), pb);
  ASSERT_EQ(a.kept().size(), b.kept().size());
  for (std::size_t i = 0; i < a.kept().size(); ++i) EXPECT_EQ(b.kept()[i], perm[a.kept()[i]]);
  EXPECT_LT(testing::max_abs_diff(a.x.value(), b.x.value()), 1e-13);
}

TEST(SagPool, OneVersusTwoThreadsBitwise) {
  std::vector<Index> sizes;
  for (Index g = 0; g < 128; ++g) sizes.push_back(20 + (g * 17) % 41);
  GraphBatch batch = testing::random_batch(sizes, 4, 4);
  Tensor<float> x0 = testing::random_tensor_float({batch.num_nodes(), 32}, 1);
  Generator gen(3);
  SagPool<float> pool(SagPoolOptions(32), gen);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    pool.zero_grad();
    Tape<float> tape;
    Var<float> x = tape.leaf(x0);
    PoolOutput<float> out = pool.forward(x, batch);
    tape.backward(out.x, testing::random_tensor_float(out.x.shape(), 2));
    return std::make_tuple(std::vector<Index>(out.kept().begin(), out.kept().end()), out.x.value(),
                           x.grad(), pool.score_gcn().weight().grad);
  };
  auto [k1, y1, gx1, gw1] = run(1);
  auto [k2, y2, gx2, gw2] = run(2);
  EXPECT_EQ(k1, k2);
  EXPECT_TRUE(testing::bitwise_equal(y1, y2));
  EXPECT_TRUE(testing::bitwise_equal(gx1, gx2));
  EXPECT_TRUE(testing::bitwise_equal(gw1, gw2));
}

}  // namespace
}  // namespace graphpool
