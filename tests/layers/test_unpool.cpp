#include "layers/unpool.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "layers/topk_pool.hpp"
#include "tests/layers/pool_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

TEST(Unpool, ScattersRowsBackAndZerosTheRest) {
  std::vector<Index> kept{4, 0, 2};
  Tensor<double> x0 = random_tensor({3, 2}, 1);
  Tape<double> tape;
  Var<double> out = unpool(tape.leaf(x0), kept, 6);
  ASSERT_EQ(out.shape(), (Shape{6, 2}));
  // naive: a zero matrix with row kept[i] = x[i]
  RowMatrix<double> want = RowMatrix<double>::Zero(6, 2);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    want.row(kept[i]) = x0.matrix().row(static_cast<Index>(i));
  }
  EXPECT_EQ(out.value().matrix(), want);
}

TEST(Unpool, Gradcheck) {
  std::vector<Index> kept{5, 1, 2, 7};
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return unpool(in[0], kept, 9); },
      {random_tensor({4, 3}, 2)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Unpool, RejectsBadPositions) {
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({3, 2}, 1));
  std::vector<Index> twice{1, 1, 2}, outside{1, 6, 2}, short_list{1, 2};
  EXPECT_THROW(unpool(x, twice, 6), ValueError);
  EXPECT_THROW(unpool(x, outside, 6), IndexError);
  EXPECT_THROW(unpool(x, short_list, 6), ShapeError);
}

TEST(Unpool, InvertsTopKPoolingOnKeptRows) {
  GraphBatch batch = testing::random_batch({6, 4, 9}, 3);
  const Index N = batch.num_nodes();
  Tensor<double> x0 = random_tensor({N, 3}, 1);
  Tape<double> tape;
  PoolOutput<double> p = topk_pool(tape.leaf(x0), batch, tape.leaf(random_tensor({3}, 2)),
                                   TopKPoolOptions(3).ratio(0.5));
  Var<double> back = unpool(p.x, p.selection);
  ASSERT_EQ(back.shape(), (Shape{N, 3}));
  std::vector<char> is_kept(static_cast<std::size_t>(N), 0);
  for (std::size_t i = 0; i < p.kept().size(); ++i) {
    is_kept[p.kept()[i]] = 1;
    EXPECT_EQ(back.value().matrix().row(p.kept()[i]),
              p.x.value().matrix().row(static_cast<Index>(i)));
  }
  for (Index r = 0; r < N; ++r) {
    if (!is_kept[r]) {
      EXPECT_EQ(back.value().matrix().row(r).cwiseAbs().sum(), 0.0);
    }
  }
  // the gradient flows back through unpool into the pooling's input
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) {
        PoolOutput<double> q = topk_pool(in[0], batch, in[1], TopKPoolOptions(3).ratio(0.5));
        return unpool(q.x, q.selection);
      },
      {x0, random_tensor({3}, 2)});
  EXPECT_TRUE(result.ok) << result.report;
}

}  // namespace
}  // namespace graphpool
