// Sort pooling (layers/sort_aggregation.hpp): naive reference, ties by node index, padding,
// NaN keys, gradcheck, permutation invariance, thread counts.
#include "layers/sort_aggregation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/errors.hpp"
#include "tests/layers/aggregation_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::random_tensor;

// selection by repeated arg-max over the remaining nodes (first index wins ties)
Tensor<double> naive_sort_pool(const Tensor<double>& x, const std::vector<Index>& ptr, Index k) {
  const Index G = static_cast<Index>(ptr.size()) - 1, F = x.cols();
  Tensor<double> out({G, k * F});
  for (Index g = 0; g < G; ++g) {
    std::vector<bool> used(static_cast<std::size_t>(ptr[g + 1] - ptr[g]), false);
    for (Index j = 0; j < k && j < ptr[g + 1] - ptr[g]; ++j) {
      Index best = -1;
      for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
        if (used[static_cast<std::size_t>(i - ptr[g])]) continue;
        if (best < 0 || x(i, F - 1) > x(best, F - 1)) best = i;
      }
      used[static_cast<std::size_t>(best - ptr[g])] = true;
      for (Index f = 0; f < F; ++f) out(g, j * F + f) = x(best, f);
    }
  }
  return out;
}

const std::vector<Index> kPtr{0, 3, 3, 4, 9, 11};

TEST(SortAggregation, MatchesNaiveSelectionWithPaddingAndTruncation) {
  const Tensor<double> x = random_tensor({11, 3}, 1);
  for (Index k : {Index(1), Index(2), Index(4), Index(7)}) {
    Tape<double> tape;
    Var<double> out = sort_aggregation(tape.leaf(x), kPtr, k);
    ASSERT_EQ(out.shape(), (Shape{5, k * 3}));
    testing::expect_close(naive_sort_pool(x, kPtr, k), out.value(), 0, "k " + std::to_string(k));
  }
}

TEST(SortAggregation, TiesKeepNodeOrderAndNaNSortsFirst) {
  // last channel: 1, 2, 2, 2 -> order 1, 2, 3, 0 (ties by node index)
  Tensor<double> x({4, 2}, std::vector<double>{10, 1, 11, 2, 12, 2, 13, 2});
  Tape<double> tape;
  Var<double> out = sort_aggregation(tape.leaf(x), std::vector<Index>{0, 4}, 3);
  const std::vector<double> want{11, 2, 12, 2, 13, 2};
  for (Index j = 0; j < 6; ++j) EXPECT_EQ(out.value()[j], want[static_cast<std::size_t>(j)]);
  std::vector<Index> rows(2);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  sort_pool_rows<double>(std::vector<double>{1.0, nan, 5.0}, std::vector<Index>{0, 3}, 2, rows);
  EXPECT_EQ(rows[0], 1);
  EXPECT_EQ(rows[1], 2);
}

TEST(SortAggregation, GradientGoesToKeptNodesOnly) {
  Tensor<double> x({4, 2}, std::vector<double>{0, 3, 0, 1, 0, 4, 0, 2});
  Tape<double> tape;
  Var<double> xv = tape.leaf(x);
  Var<double> out = sort_aggregation(xv, std::vector<Index>{0, 4}, 2);  // nodes 2, 0
  Tensor<double> seed({1, 4}, std::vector<double>{1, 2, 3, 4});
  tape.backward(out, seed);
  const std::vector<double> want{3, 4, 0, 0, 1, 2, 0, 0};
  for (Index j = 0; j < 8; ++j) EXPECT_EQ(xv.grad()[j], want[static_cast<std::size_t>(j)]);
}

TEST(SortAggregation, Gradcheck) {
  auto result =
      gradcheck([](Tape<double>&,
                   std::span<const Var<double>> in) { return sort_aggregation(in[0], kPtr, 3); },
                {random_tensor({11, 3}, 2)});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(SortAggregation, InvariantToNodeOrderInsideEachGraph) {
  // random keys are distinct, so the sorted order does not depend on the node order
  const std::vector<Index> ptr = testing::varied_node_ptr(12, 9, 3);
  SortAggregation<double> pool(SortAggregationOptions(5));
  testing::expect_permutation_invariant(
      [&](Var<double> v, std::span<const Index> p) { return pool.forward(v, p); },
      random_tensor({ptr.back(), 3}, 4), ptr, {}, 0);
}

TEST(SortAggregation, BitwiseIdenticalForOneAndTwoThreads) {
  const std::vector<Index> ptr = testing::varied_node_ptr(3000, 40, 5);
  testing::expect_thread_count_independent(
      [](Var<float> v, std::span<const Index> p) { return sort_aggregation(v, p, 10); },
      testing::random_tensor_float({ptr.back(), 8}, 6), ptr);
}

TEST(SortAggregation, RejectsBadK) {
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({4, 2}, 7));
  EXPECT_THROW(sort_aggregation(x, std::vector<Index>{0, 4}, 0), ValueError);
  EXPECT_THROW(sort_aggregation(x, std::vector<Index>{0, 3}, 2), ShapeError);
}

}  // namespace
}  // namespace graphpool
