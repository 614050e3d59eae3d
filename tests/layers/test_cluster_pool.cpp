#include "layers/cluster_pool.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

// An irregular membership: overlapping clusters, one singleton, one empty cluster.
ClusterMembership irregular() {
  return ClusterMembership(6, {0, 3, 4, 4, 7}, {0, 2, 5, 1, 3, 4, 0}, {4, 1, 1, 3});
}
const std::vector<std::vector<Index>> kMembers{{0, 2, 5}, {1}, {}, {3, 4, 0}};
const std::vector<Index> kNominal{4, 1, 1, 3};

TEST(ClusterPool, ReductionsMatchNaiveLoops) {
  const ClusterMembership m = irregular();
  const Tensor<double> x = testing::random_tensor({6, 3}, 101, 0.1, 2);
  Tape<double> tape;
  Var<double> xv = tape.constant(x);
  ClusterMaxResult<double> mx = cluster_max_pool(xv, m);
  Var<double> mean = cluster_mean_pool(xv, m);
  Var<double> mean_nominal = cluster_mean_pool(xv, m, true);
  Var<double> lp = cluster_lp_pool(xv, m, 3.0);
  Var<double> soft = cluster_softmax_pool(xv, m, 1.5);
  Var<double> mixed = cluster_mixed_pool(xv, m, 0.3);
  Var<double> expect = cluster_stochastic_pool(xv, m, std::nullopt);
  for (Index c = 0; c < 4; ++c)
    for (Index f = 0; f < 3; ++f) {
      const auto& mem = kMembers[static_cast<std::size_t>(c)];
      double best = -std::numeric_limits<double>::infinity(), s = 0, p3 = 0, z = 0, zs = 0, q = 0;
      Index arg = -1;
      for (Index i : mem) {
        const double a = x(i, f);
        if (a > best) {
          best = a;
          arg = i;
        }
        s += a;
        p3 += a * a * a;
        z += std::exp(1.5 * a);
        zs += std::exp(1.5 * a) * a;
        q += a * a;
      }
      const Index k = c * 3 + f;
      const double n = static_cast<double>(mem.size());
      const double avg = mem.empty() ? 0 : s / n;
      EXPECT_EQ(mx.out.value()[k], mem.empty() ? 0.0 : best);
      EXPECT_EQ((*mx.arg)[static_cast<std::size_t>(k)], arg);
      EXPECT_NEAR(mean.value()[k], avg, 1e-15);
      EXPECT_NEAR(mean_nominal.value()[k], s / double(kNominal[static_cast<std::size_t>(c)]),
                  1e-15);
      EXPECT_NEAR(lp.value()[k], std::cbrt(p3), 1e-14);
      EXPECT_NEAR(soft.value()[k], mem.empty() ? 0 : zs / z, 1e-14);
      EXPECT_NEAR(mixed.value()[k], mem.empty() ? 0 : 0.3 * best + 0.7 * avg, 1e-14);
      EXPECT_NEAR(expect.value()[k], mem.empty() ? 0 : q / s, 1e-14);
    }
}

TEST(ClusterPool, GradcheckEveryReduction) {
  const ClusterMembership m = irregular();
  Parameter<double> alpha{"alpha", Tensor<double>(Shape{}, 0.4)};
  std::vector<std::pair<std::string, testing::GradFunction>> ops{
      {"max", [&](Tape<double>&,
                  std::span<const Var<double>> in) { return cluster_max_pool(in[0], m).out; }},
      {"mean",
       [&](Tape<double>&, std::span<const Var<double>> in) { return cluster_mean_pool(in[0], m); }},
      {"mean_nominal",
       [&](Tape<double>&, std::span<const Var<double>> in) {
         return cluster_mean_pool(in[0], m, true);
       }},
      {"lp", [&](Tape<double>&,
                 std::span<const Var<double>> in) { return cluster_lp_pool(in[0], m, 2.5); }},
      {"softmax",
       [&](Tape<double>&, std::span<const Var<double>> in) {
         return cluster_softmax_pool(in[0], m, -0.7);
       }},
      {"stochastic_eval",
       [&](Tape<double>&, std::span<const Var<double>> in) {
         return cluster_stochastic_pool(in[0], m, std::nullopt);
       }},
      {"stochastic_train",
       [&](Tape<double>&, std::span<const Var<double>> in) {
         return cluster_stochastic_pool(in[0], m, CounterRng(1, 2));
       }},
      {"mixed",
       [&](Tape<double>& t, std::span<const Var<double>> in) {
         return cluster_mixed_pool(in[0], m, t.parameter(alpha));
       }},
  };
  for (auto& [name, f] : ops) {
    auto result = testing::gradcheck(f, {testing::random_tensor({6, 3}, 102, 0.1, 2)},
                                     name == "mixed" ? std::vector<Parameter<double>*>{&alpha}
                                                     : std::vector<Parameter<double>*>{});
    EXPECT_TRUE(result.ok) << name << ": " << result.report;
  }
}

TEST(ClusterPool, InvalidMembershipNamesTheProblem) {
  EXPECT_THROW(ClusterMembership(3, {1, 2}, {0}), ValueError);
  EXPECT_THROW(ClusterMembership(3, {0, 2, 1}, {0}), ValueError);
  EXPECT_THROW(ClusterMembership(3, {0, 2}, {0}), ShapeError);
  try {
    ClusterMembership(3, {0, 3}, {0, 1, 9});
    ADD_FAILURE();
  } catch (const IndexError& e) {
    EXPECT_NE(std::string(e.what()).find("members[2] = 9"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ClusterMembership(3, {0, 1}, {0}, {0}), ValueError);
  Tape<double> tape;
  EXPECT_THROW(cluster_mean_pool(tape.constant(Tensor<double>(Shape{5, 2})), irregular()),
               ShapeError);
  EXPECT_THROW(cluster_lp_pool(tape.constant(Tensor<double>(Shape{6, 2})), irregular(), 0.5),
               ValueError);
  Tensor<double> neg(Shape{6, 2}, 1.0);
  neg[7] = -2.0;
  try {
    cluster_stochastic_pool(tape.constant(neg), irregular(), std::nullopt);
    ADD_FAILURE();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("got -2 at flat position 7"), std::string::npos)
        << e.what();
  }
}

TEST(ClusterPool, BitwiseIdenticalAcrossThreadCounts) {
  // 300 overlapping clusters of 5 nodes on 400 nodes, 40 features
  std::vector<Index> ptr{0}, mem;
  for (Index c = 0; c < 300; ++c) {
    for (Index j = 0; j < 5; ++j) mem.push_back((c * 7 + j * 13) % 400);
    ptr.push_back(static_cast<Index>(mem.size()));
  }
  const ClusterMembership m(400, ptr, mem);
  const Tensor<float> x = testing::random_tensor_float({400, 40}, 103, 0, 1);
  auto run = [&] {
    return testing::run_op(x, [&](Var<float> v) {
      return add(add(cluster_softmax_pool(v, m, 2.0), cluster_max_pool(v, m).out),
                 cluster_stochastic_pool(v, m, CounterRng(5, 1)));
    });
  };
  testing::OpRun<float> one, two;
  {
    ThreadLimit limit(1);
    one = run();
  }
  {
    ThreadLimit limit(2);
    two = run();
  }
  EXPECT_TRUE(testing::bitwise_equal(one.out, two.out));
  EXPECT_TRUE(testing::bitwise_equal(one.grad_x, two.grad_x));
}

}  // namespace
}  // namespace graphpool
