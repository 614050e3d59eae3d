// Readout tape ops (layers/readout.hpp): PyTorch golden cases, gradchecks, permutation
// invariance, the tie rule, NaN and the GlobalPool module.
#include "layers/readout.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "tests/support/golden.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::gradcheck;
using testing::load_golden;
using testing::random_tensor;

const Readout kAll[] = {Readout::kSum, Readout::kMean, Readout::kMax, Readout::kMin};

void expect_near_all(const Tensor<double>& want, const Tensor<double>& got, double tol,
                     const std::string& what) {
  ASSERT_EQ(want.shape(), got.shape()) << what;
  for (Index i = 0; i < want.numel(); ++i) {
    EXPECT_NEAR(want[i], got[i], tol) << what << " element " << i;
  }
}

// --- PyTorch golden cases ------------------------------------------------------------------------

void check_golden(const std::string& name, Readout readout) {
  const auto c = load_golden(name);
  const std::vector<Index>& ptr = c.indices("in_node_ptr");
  Tape<double> tape;
  Var<double> x = tape.leaf(c.tensor("in_x"));
  Var<double> out = global_pool(x, ptr, readout);
  expect_near_all(c.tensor("out"), out.value(), 1e-10, name + " out");
  tape.backward(out, c.tensor("grad_out"));
  expect_near_all(c.tensor("grad_x"), x.grad(), 1e-10, name + " grad_x");
}

TEST(GlobalPool, MatchesTorchGoldenSum) {
  check_golden("readout_sum", Readout::kSum);
}
TEST(GlobalPool, MatchesTorchGoldenMean) {
  check_golden("readout_mean", Readout::kMean);
}
TEST(GlobalPool, MatchesTorchGoldenMax) {
  check_golden("readout_max", Readout::kMax);
}

TEST(GlobalPool, GoldenCasesHaveAnEmptyGraph) {
  // the golden batches exercise "empty graph -> 0" (and no gradient from it)
  const auto c = load_golden("readout_max");
  const std::vector<Index>& ptr = c.indices("in_node_ptr");
  bool empty = false;
  for (std::size_t g = 0; g + 1 < ptr.size(); ++g) empty = empty || ptr[g] == ptr[g + 1];
  EXPECT_TRUE(empty);
}

TEST(GlobalMaxPool, TiesGiveAllGradientToTheFirstNodeUnlikeTorch) {
  // torch's scatter_reduce('amax') splits a tied max's gradient evenly; we give it all to the
  // first arg-max (the documented rule). Forward is the same.
  const auto c = load_golden("readout_max_ties");
  Tape<double> tape;
  Var<double> x = tape.leaf(c.tensor("in_x"));
  Var<double> out = global_max_pool(x, c.indices("in_node_ptr"));
  expect_near_all(c.tensor("out"), out.value(), 1e-12, "out");
  tape.backward(out, c.tensor("grad_out"));
  const Tensor<double>& torch_grad = c.tensor("grad_x");
  ASSERT_EQ(torch_grad.numel(), 3);
  EXPECT_DOUBLE_EQ(torch_grad[0], 0.5);  // torch: even split between nodes 0 and 1
  EXPECT_DOUBLE_EQ(torch_grad[1], 0.5);
  EXPECT_DOUBLE_EQ(torch_grad[2], 0.0);
  EXPECT_EQ(x.grad()[0], 1.0);  // ours: all to node 0
  EXPECT_EQ(x.grad()[1], 0.0);
  EXPECT_EQ(x.grad()[2], 0.0);
  // the total gradient reaching the graph is the same under both rules
  EXPECT_DOUBLE_EQ(x.grad()[0] + x.grad()[1] + x.grad()[2],
                   torch_grad[0] + torch_grad[1] + torch_grad[2]);
}

TEST(GlobalMinPool, TiesGiveAllGradientToTheFirstNode) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({4, 1}, std::vector<double>{3, -2, 0, -2}));
  Var<double> out = global_min_pool(x, std::vector<Index>{0, 4});
  EXPECT_EQ(out.value()[0], -2.0);
  tape.backward(out, Tensor<double>({1, 1}, 2.0));
  EXPECT_EQ(x.grad()[1], 2.0);
  EXPECT_EQ(x.grad()[3], 0.0);
}

// --- gradchecks ----------------------------------------------------------------------------------

// graphs of 3, 0, 1, 5 and 2 nodes
const std::vector<Index> kSmallPtr{0, 3, 3, 4, 9, 11};

TEST(GlobalPool, GradcheckAllReadouts) {
  for (Readout r : kAll) {
    for (Index F : {Index(1), Index(4)}) {
      auto result = gradcheck(
          [r](Tape<double>&, std::span<const Var<double>> in) {
            return global_pool(in[0], kSmallPtr, r);
          },
          {random_tensor({11, F}, 31 + static_cast<std::uint64_t>(F))});
      EXPECT_TRUE(result.ok) << readout_name(r) << " F = " << F << ": " << result.report;
    }
  }
}

TEST(GlobalPool, GradcheckComposedWithOtherOps) {
  // the readout's gradient accumulates (+=) with another use of x
  auto result = gradcheck(
      [](Tape<double>&, std::span<const Var<double>> in) {
        Var<double> h = mul(in[0], in[0]);
        return add(global_max_pool(h, kSmallPtr), global_mean_pool(in[0], kSmallPtr));
      },
      {random_tensor({11, 3}, 41)});
  EXPECT_TRUE(result.ok) << result.report;
}

// --- permutation invariance
// ------------------------------------------------------------------------

TEST(GlobalPool, InvariantToNodeOrderInsideEachGraph) {
  const std::vector<Index> ptr{0, 7, 7, 8, 20, 33};
  const Index N = 33, F = 5, G = 5;
  const Tensor<double> x = random_tensor({N, F}, 51);
  const Tensor<double> seed = random_tensor({G, F}, 52);
  // perm[new position] = old node, shuffling within each graph only
  std::vector<Index> perm;
  for (Index g = 0; g < G; ++g) {
    auto local =
        random_permutation(ptr[g + 1] - ptr[g], CounterRng(53, static_cast<std::uint64_t>(g)));
    for (Index j : local) perm.push_back(ptr[g] + j);
  }
  Tensor<double> xp({N, F});
  for (Index i = 0; i < N; ++i) {
    for (Index f = 0; f < F; ++f) xp(i, f) = x(perm[static_cast<std::size_t>(i)], f);
  }
  for (Readout r : kAll) {
    Tape<double> tape;
    Var<double> a = tape.leaf(x);
    Var<double> b = tape.leaf(xp);
    Var<double> out_a = global_pool(a, ptr, r);
    Var<double> out_b = global_pool(b, ptr, r);
    // sums in another order may differ in the last bits; max/min are exact
    const double tol = (r == Readout::kSum || r == Readout::kMean) ? 1e-12 : 0.0;
    expect_near_all(out_a.value(), out_b.value(), tol, readout_name(r));
    tape.backward(add(out_a, out_b), seed);  // one backward reaches both leaves
    for (Index i = 0; i < N; ++i) {
      for (Index f = 0; f < F; ++f) {
        EXPECT_NEAR(b.grad()(i, f), a.grad()(perm[static_cast<std::size_t>(i)], f), 1e-12)
            << readout_name(r) << " node " << i << " feature " << f;
      }
    }
  }
}

// --- NaN, shapes, module, float
// --------------------------------------------------------------------

TEST(GlobalMaxPool, NanPropagatesAndTakesTheGradient) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tape<double> tape;
  // graph 0: nodes 0..2 with a NaN at node 1; graph 1: nodes 3..4
  Var<double> x = tape.leaf(Tensor<double>({5, 1}, std::vector<double>{1, nan, 3, 4, 2}));
  const std::vector<Index> ptr{0, 3, 5};
  for (Readout r : kAll) {
    Var<double> out = global_pool(x, ptr, r);
    EXPECT_TRUE(std::isnan(out.value()[0])) << readout_name(r);
    EXPECT_FALSE(std::isnan(out.value()[1])) << readout_name(r);
  }
  Var<double> out = global_max_pool(x, ptr);
  tape.backward(out, Tensor<double>({2, 1}, 1.0));
  EXPECT_EQ(x.grad()[0], 0.0);
  EXPECT_EQ(x.grad()[1], 1.0);  // the NaN node is the arg-max
  EXPECT_EQ(x.grad()[2], 0.0);
  EXPECT_EQ(x.grad()[3], 1.0);
}

TEST(GlobalPool, RejectsBadInputs) {
  Tape<double> tape;
  Var<double> x = tape.leaf(Tensor<double>({4, 2}));
  EXPECT_THROW(global_sum_pool(x, std::vector<Index>{0, 2}), ShapeError);
  EXPECT_THROW(global_max_pool(x, std::vector<Index>{0, 3, 1, 4}), ValueError);
  Var<double> v = tape.leaf(Tensor<double>({4}));
  EXPECT_THROW(global_mean_pool(v, std::vector<Index>{0, 4}), ShapeError);
}

TEST(GlobalPool, ModuleForwardsToTheFunction) {
  GlobalPool<double> pool(GlobalPoolOptions().readout(Readout::kMin));
  EXPECT_EQ(pool.options().readout_, Readout::kMin);
  EXPECT_TRUE(pool.parameters().empty());
  EXPECT_EQ(GlobalPool<double>().options().readout_, Readout::kMean);  // PyG's usual default
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({11, 3}, 61));
  Var<double> a = pool.forward(x, kSmallPtr);
  Var<double> b = global_min_pool(x, kSmallPtr);
  EXPECT_EQ(0, std::memcmp(a.value().data(), b.value().data(), 15 * sizeof(double)));
}

TEST(GlobalPool, FloatAgreesWithDouble) {
  const Tensor<double> xd = random_tensor({11, 6}, 71);
  Tensor<float> xf({11, 6});
  for (Index i = 0; i < xd.numel(); ++i) xf[i] = static_cast<float>(xd[i]);
  for (Readout r : kAll) {
    Tape<double> td;
    Tape<float> tf;
    Var<double> vd = td.leaf(xd);
    Var<float> vf = tf.leaf(xf);
    Var<double> od = global_pool(vd, kSmallPtr, r);
    Var<float> of = global_pool(vf, kSmallPtr, r);
    td.backward(sum(od));
    tf.backward(sum(of));
    for (Index i = 0; i < od.value().numel(); ++i) {
      EXPECT_NEAR(od.value()[i], of.value()[i], 1e-5) << readout_name(r);
    }
    for (Index i = 0; i < xd.numel(); ++i) {
      EXPECT_NEAR(vd.grad()[i], vf.grad()[i], 1e-6) << readout_name(r);
    }
  }
}

TEST(GlobalPool, ConstantInputRecordsNoBackward) {
  Tape<double> tape;
  Var<double> x = tape.constant(random_tensor({11, 2}, 81));
  Var<double> out = global_max_pool(x, kSmallPtr);
  EXPECT_FALSE(out.requires_grad());
  tape.backward(out, random_tensor({5, 2}, 82));  // nothing to do, must not throw
}

}  // namespace
}  // namespace graphpool
