#include "layers/dense_batch.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "layers/batched_matmul.hpp"
#include "layers/dense_assignment.hpp"
#include "tests/layers/dense_test_util.hpp"
#include "tests/layers/graph_fixtures.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

TEST(ToDenseBatch, PadsEveryGraphToTheLargest) {
  std::vector<Index> node_ptr{0, 2, 2, 5};
  Tensor<double> x0 = random_tensor({5, 3}, 1);
  Tape<double> tape;
  DenseBatch<double> d = to_dense_batch(tape.leaf(x0), node_ptr, DenseBatchOptions().fill_value(7));
  ASSERT_EQ(d.x.shape(), (Shape{3, 3, 3}));
  EXPECT_EQ(d.batch_size, 3);
  EXPECT_EQ(d.max_nodes, 3);
  EXPECT_EQ(d.mask, (std::vector<std::uint8_t>{1, 1, 0, 0, 0, 0, 1, 1, 1}));
  // naive: slot (g, i) holds node node_ptr[g] + i or the fill value
  for (Index g = 0; g < 3; ++g)
    for (Index i = 0; i < 3; ++i)
      for (Index f = 0; f < 3; ++f) {
        const bool real = node_ptr[g] + i < node_ptr[g + 1];
        const double want = real ? x0(node_ptr[g] + i, f) : 7.0;
        EXPECT_EQ(d.x.value()[(g * 3 + i) * 3 + f], want);
      }
}

TEST(ToDenseBatch, MaxNumNodesDropsTheTailAndGradcheck) {
  std::vector<Index> node_ptr{0, 4, 5};
  Tensor<double> x0 = random_tensor({5, 2}, 2);
  Tape<double> tape;
  DenseBatch<double> d =
      to_dense_batch(tape.leaf(x0), node_ptr, DenseBatchOptions().max_num_nodes(2));
  ASSERT_EQ(d.x.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(d.mask, (std::vector<std::uint8_t>{1, 1, 1, 0}));
  EXPECT_EQ(d.x.value()[(0 * 2 + 1) * 2 + 1], x0(1, 1));  // nodes 2, 3 of graph 0 dropped
  EXPECT_EQ(d.x.value()[(1 * 2 + 0) * 2 + 0], x0(4, 0));  // graph 1's only node
  EXPECT_EQ(d.x.value()[(1 * 2 + 1) * 2 + 0], 0.0);       // padding
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        return to_dense_batch(in[0], node_ptr, DenseBatchOptions().max_num_nodes(3)).x;
      },
      {random_tensor({5, 2}, 3)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(ToDenseBatch, RejectsMismatchedNodePtr) {
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({4, 2}, 1));
  std::vector<Index> short_ptr{0, 3}, bad{0, 3, 2, 4};
  EXPECT_THROW(to_dense_batch(x, short_ptr), ShapeError);
  EXPECT_THROW(to_dense_batch(x, bad), ValueError);
}

TEST(ToDenseAdj, SumsWeightsOfDuplicateEdgesAsSourceTargetEntries) {
  // graph 0: 0 -> 1 twice, 1 -> 0; graph 1 (nodes 2..4): 4 -> 2 with weight
  std::vector<Index> src{0, 0, 1, 4, 3}, dst{1, 1, 0, 2, 3};
  std::vector<double> w{0.5, 1.5, 2.0, 3.0, 4.0};
  GraphBatch batch(Graph::from_edges(5, src, dst, w), {0, 2, 5});
  Tensor<double> adj = to_dense_adj<double>(batch);
  ASSERT_EQ(adj.shape(), (Shape{2, 3, 3}));
  Tensor<double> want(Shape{2, 3, 3});
  // naive: adj[g, s - off, t - off] += w
  const Index off[5] = {0, 0, 2, 2, 2}, graph[5] = {0, 0, 1, 1, 1};
  for (std::size_t e = 0; e < src.size(); ++e) {
    want[(graph[src[e]] * 3 + src[e] - off[src[e]]) * 3 + dst[e] - off[dst[e]]] += w[e];
  }
  EXPECT_EQ(adj.values().size(), want.values().size());
  for (Index i = 0; i < adj.numel(); ++i) EXPECT_EQ(adj[i], want[i]) << i;
  EXPECT_EQ(adj[1], 2.0);  // 0 -> 1 twice: 0.5 + 1.5
}

TEST(MaskNodes, ZerosPaddedRowsAndGradcheck) {
  std::vector<std::uint8_t> mask{1, 0, 1, 1, 0, 0};
  Tensor<double> x0 = random_tensor({2, 3, 4}, 4);
  Tape<double> tape;
  Var<double> y = mask_nodes(tape.leaf(x0), mask);
  Tensor<double> want = testing::naive_mask(x0, mask);
  for (Index i = 0; i < x0.numel(); ++i) EXPECT_EQ(y.value()[i], want[i]);
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return mask_nodes(in[0], mask); },
      {x0});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(BatchedMatmul, MatchesNaiveLoopsForEveryTransposeAndGradcheck) {
  Tensor<double> a = random_tensor({3, 4, 5}, 1), b = random_tensor({3, 4, 2}, 2);
  Tape<double> tape;
  Var<double> y = batched_matmul(tape.leaf(a), tape.leaf(b), true);
  Tensor<double> want = testing::naive_at_b(a, b);
  ASSERT_EQ(y.shape(), want.shape());
  for (Index i = 0; i < want.numel(); ++i) EXPECT_NEAR(y.value()[i], want[i], 1e-14);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      // shapes so that op(a) is [3, 4] and op(b) is [4, 2] per batch
      Tensor<double> a0 = random_tensor(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, 5 + ta);
      Tensor<double> b0 = random_tensor(tb ? Shape{2, 2, 4} : Shape{2, 4, 2}, 7 + tb);
      auto result = testing::gradcheck(
          [&](Tape<double>&, std::span<const Var<double>> in) {
            return batched_matmul(in[0], in[1], ta != 0, tb != 0);
          },
          {a0, b0});
      EXPECT_TRUE(result.ok) << "ta=" << ta << " tb=" << tb << " " << result.report;
      Tape<double> t2;
      Var<double> out = batched_matmul(t2.leaf(a0), t2.leaf(b0), ta != 0, tb != 0);
      ASSERT_EQ(out.shape(), (Shape{2, 3, 2}));
      for (Index bb = 0; bb < 2; ++bb)
        for (Index i = 0; i < 3; ++i)
          for (Index j = 0; j < 2; ++j) {
            double acc = 0;
            for (Index k = 0; k < 4; ++k) {
              const double av = ta ? a0[(bb * 4 + k) * 3 + i] : a0[(bb * 3 + i) * 4 + k];
              const double bv = tb ? b0[(bb * 2 + j) * 4 + k] : b0[(bb * 4 + k) * 2 + j];
              acc += av * bv;
            }
            EXPECT_NEAR(out.value()[(bb * 3 + i) * 2 + j], acc, 1e-14);
          }
    }
  }
}

TEST(BatchedMatmul, RejectsMismatchedShapes) {
  Tape<double> tape;
  Var<double> a = tape.leaf(random_tensor({2, 3, 4}, 1));
  EXPECT_THROW(batched_matmul(a, tape.leaf(random_tensor({2, 3, 4}, 2))), ShapeError);
  EXPECT_THROW(batched_matmul(a, tape.leaf(random_tensor({3, 4, 4}, 2))), ShapeError);
  EXPECT_THROW(batched_matmul(a, tape.leaf(random_tensor({3, 4}, 2))), ShapeError);
}

TEST(DenseAssignment, SoftmaxWithTemperatureAndMaskGradcheck) {
  std::vector<std::uint8_t> mask{1, 1, 0, 1, 0, 1};
  Tensor<double> s0 = random_tensor({2, 3, 4}, 9, -3, 3);
  Tape<double> tape;
  Var<double> y = dense_assignment(tape.leaf(s0), mask, 0.7);
  Tensor<double> want = testing::naive_assignment(s0, mask, 0.7);
  for (Index i = 0; i < want.numel(); ++i) EXPECT_NEAR(y.value()[i], want[i], 1e-15);
  for (double temp : {1.0, 0.7}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return dense_assignment(in[0], mask, temp);
        },
        {s0});
    EXPECT_TRUE(result.ok) << result.report;
  }
  EXPECT_THROW(dense_assignment(tape.leaf(s0), mask, 0.0), ValueError);
  std::vector<std::uint8_t> short_mask{1, 1};
  EXPECT_THROW(dense_assignment(tape.leaf(s0), short_mask), ShapeError);
}

}  // namespace
}  // namespace graphpool
