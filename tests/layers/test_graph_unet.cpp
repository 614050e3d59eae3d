#include "layers/graph_unet.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "layers/gcn_norm.hpp"
#include "tests/layers/pool_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

// Parameters drawn U(-1, 1): PyG's zero bias init puts ReLU pre-activations exactly at the kink
// (0) wherever a tiny net's inputs are all zero, where finite differences see half the slope.
void randomize(GraphUNet<double>& net, std::uint64_t seed) {
  for (Parameter<double>* p : net.parameters()) p->value = random_tensor(p->value.shape(), seed++);
}

// Dense A[s, t] = sum of weights of edges s -> t.
RowMatrix<double> dense_adj(const Graph& g) {
  RowMatrix<double> a = RowMatrix<double>::Zero(g.num_nodes(), g.num_nodes());
  for (Index t = 0; t < g.num_nodes(); ++t)
    for (Index e = g.edge_ptr()[t]; e < g.edge_ptr()[t + 1]; ++e)
      a(g.sources()[e], t) += g.weight(e);
  return a;
}

TEST(GraphUNet, AugmentAdjIsSquareOfAPlusIWithoutLoops) {
  // weighted, with a self loop (replaced by I) and a duplicate edge (summed)
  std::vector<Index> src{0, 1, 1, 2, 3, 2, 0}, dst{1, 0, 2, 1, 3, 3, 1};
  std::vector<double> w{0.5, 2.0, 1.5, 1.0, 4.0, 3.0, 0.25};
  Graph g = Graph::from_edges(4, src, dst, w);
  Graph aug = augment_adj(g);
  // naive: A' = A with a zero diagonal + I; (A' A') with a zero diagonal
  RowMatrix<double> a = dense_adj(g);
  a.diagonal().setOnes();
  RowMatrix<double> want = a * a;
  want.diagonal().setZero();
  RowMatrix<double> got = dense_adj(aug);
  EXPECT_LT((got - want).cwiseAbs().maxCoeff(), 1e-14);
  // one edge per nonzero pair, sources ascending within every target
  Index nonzero = (want.array() != 0.0).count();
  EXPECT_EQ(aug.num_edges(), nonzero);
  for (Index t = 0; t < aug.num_nodes(); ++t)
    for (Index e = aug.edge_ptr()[t] + 1; e < aug.edge_ptr()[t + 1]; ++e)
      EXPECT_LT(aug.sources()[e - 1], aug.sources()[e]);
}

TEST(GraphUNet, UnitSelfLoopsGiveImprovedGcnNorm) {
  Graph g = testing::random_batch({7}, 3).graph();
  GcnNorm<double> norm(with_unit_self_loops(g));
  // improved GCN: D^-1/2 (A + 2I) D^-1/2 with A[t, s] for s -> t and D = rowsum(A + 2I)
  RowMatrix<double> a = dense_adj(g).transpose();
  a.diagonal().array() += 2.0;
  Eigen::VectorXd d = a.rowwise().sum().array().rsqrt();
  RowMatrix<double> want = d.asDiagonal() * a * d.asDiagonal();
  EXPECT_LT((norm.dense() - want).cwiseAbs().maxCoeff(), 1e-14);
}

TEST(GraphUNet, OutputShapeAndGradcheck) {
  GraphBatch batch = testing::random_batch({12}, 5, 3, false);
  Generator gen(4);
  GraphUNet<double> net(GraphUNetOptions(3, 4, 2, 3), gen);
  randomize(net, 40);
  EXPECT_EQ(net.parameters().size(), 4u * 2 + 3u + 3u * 2);  // 4 down, 3 pools, 3 up convs
  Tensor<double> x0 = random_tensor({12, 3}, 6);
  {
    Tape<double> tape;
    Var<double> out = net.forward(tape.leaf(x0), batch);
    EXPECT_EQ(out.shape(), (Shape{12, 2}));
  }
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return net.forward(in[0], batch); },
      {x0}, net.parameters());
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(GraphUNet, ConcatSkipsOnABatchAndFloat) {
  GraphBatch batch = testing::random_batch({9, 6}, 7, 3, false);
  Generator gen(1);
  GraphUNet<double> net(GraphUNetOptions(3, 4, 3, 2).sum_res(false), gen);
  randomize(net, 60);
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return net.forward(in[0], batch); },
      {random_tensor({15, 3}, 2)}, net.parameters());
  EXPECT_TRUE(result.ok) << result.report;
  Generator genf(1);
  GraphUNet<float> netf(GraphUNetOptions(3, 4, 3, 2), genf);
  Tape<float> tf;
  Var<float> yf = netf.forward(tf.leaf(testing::random_tensor_float({15, 3}, 2)), batch);
  EXPECT_EQ(yf.shape(), (Shape{15, 3}));
  EXPECT_THROW(GraphUNet<double>(GraphUNetOptions(3, 4, 3, 0), gen), ValueError);
}

}  // namespace
}  // namespace graphpool
