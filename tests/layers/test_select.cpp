#include "layers/select.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/errors.hpp"
#include "core/ops.hpp"
#include "core/parallel.hpp"
#include "tests/layers/graph_fixtures.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

// Naive reference: per graph, ids sorted by (descending score, ascending id) with a stable sort
// of the ascending ids, first k.
std::vector<Index> naive_top_k(const std::vector<double>& score, const std::vector<Index>& node_ptr,
                               const std::vector<Index>& k_per_graph) {
  std::vector<Index> kept;
  for (std::size_t g = 0; g + 1 < node_ptr.size(); ++g) {
    std::vector<Index> ids(static_cast<std::size_t>(node_ptr[g + 1] - node_ptr[g]));
    std::iota(ids.begin(), ids.end(), node_ptr[g]);
    std::stable_sort(ids.begin(), ids.end(), [&](Index a, Index b) { return score[a] > score[b]; });
    for (Index j = 0; j < k_per_graph[g]; ++j) kept.push_back(ids[static_cast<std::size_t>(j)]);
  }
  return kept;
}

template <class E>
void expect_error_mentions(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning '" << text << "'";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(Select, CountIsCeilOfRatioInFloat32ClampedToGraphSize) {
  // torch: ceil(0.3 * tensor(50.)) = 16 in float32 (exact arithmetic gives 15)
  EXPECT_EQ(top_k_count(50, SelectOptions().ratio(0.3)), 16);
  EXPECT_EQ(top_k_count(25, SelectOptions().ratio(0.6)), 16);
  EXPECT_EQ(top_k_count(10, SelectOptions().ratio(0.3)), 3);
  EXPECT_EQ(top_k_count(7, SelectOptions().ratio(0.5)), 4);
  EXPECT_EQ(top_k_count(7, SelectOptions().ratio(1.0)), 7);
  // a ratio that rounds to 0 nodes still keeps one (ceil), also below float's smallest value
  EXPECT_EQ(top_k_count(5, SelectOptions().ratio(1e-3)), 1);
  EXPECT_EQ(top_k_count(5, SelectOptions().ratio(1e-60)), 1);
  EXPECT_EQ(top_k_count(0, SelectOptions().ratio(0.5)), 0);
  EXPECT_EQ(top_k_count(1, SelectOptions().ratio(0.1)), 1);
  // fixed k: k > n keeps all
  EXPECT_EQ(top_k_count(3, SelectOptions().k(10)), 3);
  EXPECT_EQ(top_k_count(30, SelectOptions().k(10)), 10);
  EXPECT_EQ(top_k_count(0, SelectOptions().k(10)), 0);
}

TEST(Select, ValidationNamesTheBadValue) {
  expect_error_mentions<ValueError>([] { SelectOptions().ratio(1.5).validate("top_k"); },
                                    "top_k: ratio must be in (0, 1], got 1.5");
  expect_error_mentions<ValueError>([] { SelectOptions().ratio(0).validate("top_k"); }, "got 0");
  expect_error_mentions<ValueError>([] { SelectOptions().ratio(-0.5).validate("x"); }, "-0.5");
  EXPECT_THROW(SelectOptions().ratio(std::nan("")).validate("x"), ValueError);
  expect_error_mentions<ValueError>([] { SelectOptions().k(0).validate("x"); },
                                    "k must be >= 1, got 0");
  EXPECT_THROW(SelectOptions().k(2).min_score(0.1).validate("x"), ValueError);
  // a k or min_score makes the ratio irrelevant
  EXPECT_NO_THROW(SelectOptions().ratio(7).k(2).validate("x"));
  EXPECT_NO_THROW(SelectOptions().ratio(7).min_score(0.1).validate("x"));
}

TEST(Select, NanScoreIsRejectedNamingTheNode) {
  std::vector<double> s{0.1, 0.2, std::nan(""), 0.4};
  std::vector<Index> ptr{0, 2, 4};
  expect_error_mentions<ValueError>([&] { select_top_k<double>(s, ptr, SelectOptions()); },
                                    "node 2");
}

TEST(Select, MatchesNaiveReferenceWithTiesEmptyAndSingleNodeGraphs) {
  const std::vector<Index> sizes{5, 0, 1, 8, 3, 12, 2, 0, 7};
  std::vector<Index> node_ptr{0};
  for (Index n : sizes) node_ptr.push_back(node_ptr.back() + n);
  const Index N = node_ptr.back();
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    // scores on a coarse grid: many ties
    std::vector<double> score(static_cast<std::size_t>(N));
    CounterRng rng(seed, 0);
    for (Index i = 0; i < N; ++i) score[i] = static_cast<double>(rng.below(i, 4)) - 1.5;
    for (SelectOptions opt :
         {SelectOptions().ratio(0.5), SelectOptions().ratio(0.3), SelectOptions().ratio(1.0),
          SelectOptions().k(2), SelectOptions().k(100)}) {
      std::vector<Index> ks;
      for (Index n : sizes) ks.push_back(top_k_count(n, opt));
      SelectOutput<double> sel = select_top_k<double>(score, node_ptr, opt);
      std::vector<Index> got(sel.kept().begin(), sel.kept().end());
      EXPECT_EQ(got, naive_top_k(score, node_ptr, ks)) << "seed " << seed;
      ASSERT_EQ(sel.num_graphs(), static_cast<Index>(sizes.size()));
      for (std::size_t g = 0; g < sizes.size(); ++g) {
        EXPECT_EQ(sel.kept_ptr()[g + 1] - sel.kept_ptr()[g], ks[g]);
      }
      for (Index i = 0; i < sel.size(); ++i) EXPECT_EQ(sel.score()[i], score[sel.kept()[i]]);
      EXPECT_EQ(sel.num_nodes(), N);
    }
  }
}

TEST(Select, SmallAndLargeGraphsWithTiesAndSignedZerosMatchTheNaiveReference) {
  // graphs on both sides of the size where a full sort gives way to nth_element first (256
  // nodes), with distinct scores, coarse ties, and signed zeros (equal scores: ties by id), on 1
  // and 2 threads
  const std::vector<Index> sizes{1, 2, 40, 255, 256, 257, 300, 611, 17};
  std::vector<Index> node_ptr{0};
  for (Index n : sizes) node_ptr.push_back(node_ptr.back() + n);
  const Index N = node_ptr.back();
  for (int kind = 0; kind < 3; ++kind) {
    std::vector<double> score(static_cast<std::size_t>(N));
    CounterRng rng(40 + static_cast<std::uint64_t>(kind), 1);
    for (Index i = 0; i < N; ++i) {
      const auto u = static_cast<std::uint64_t>(i);
      score[i] = kind == 0   ? rng.uniform(u)
                 : kind == 1 ? static_cast<double>(rng.below(u, 5))
                             : (rng.below(u, 2) == 0 ? 0.0 : -0.0);
    }
    for (SelectOptions opt : {SelectOptions().ratio(0.5), SelectOptions().ratio(0.1),
                              SelectOptions().k(7), SelectOptions().ratio(1.0)}) {
      std::vector<Index> ks;
      for (Index n : sizes) ks.push_back(top_k_count(n, opt));
      for (int threads : {1, 2}) {
        ThreadLimit limit(threads);
        SelectOutput<double> sel = select_top_k<double>(score, node_ptr, opt);
        std::vector<Index> got(sel.kept().begin(), sel.kept().end());
        EXPECT_EQ(got, naive_top_k(score, node_ptr, ks)) << "kind " << kind << " " << threads;
        for (Index i = 0; i < sel.size(); ++i) EXPECT_EQ(sel.score()[i], score[sel.kept()[i]]);
      }
    }
  }
}

TEST(Select, MinScoreKeepsAboveThresholdAndAlwaysTheBest) {
  // graph 0: softmax-like scores; graph 1: all below min_score -> only nodes within tol of the max
  std::vector<double> s{0.5, 0.1, 0.3, 0.1, 0.2, 0.2, 0.19999999, 0.1};
  std::vector<Index> ptr{0, 4, 8};
  SelectOutput<double> sel = select_top_k<double>(s, ptr, SelectOptions().min_score(0.25));
  std::vector<Index> got(sel.kept().begin(), sel.kept().end());
  // graph 0: > min(0.25, 0.5 - 1e-7) -> 0, 2; graph 1: > 0.2 - 1e-7 -> 4, 5, 6 (6 within tol)
  EXPECT_EQ(got, (std::vector<Index>{0, 2, 4, 5, 6}));
}

TEST(Select, OutputChecksItsInvariants) {
  std::vector<Index> ptr{0, 3, 5};
  EXPECT_NO_THROW(SelectOutput<double>({2, 0, 4}, {0, 2, 3}, {0.9, 0.1, 0.5}, ptr));
  // node of another graph
  EXPECT_THROW(SelectOutput<double>({2, 3, 4}, {0, 2, 3}, {0.9, 0.1, 0.5}, ptr), IndexError);
  // twice the same node
  EXPECT_THROW(SelectOutput<double>({2, 2, 4}, {0, 2, 3}, {0.9, 0.9, 0.5}, ptr), ValueError);
  // ascending score
  EXPECT_THROW(SelectOutput<double>({0, 2, 4}, {0, 2, 3}, {0.1, 0.9, 0.5}, ptr), ValueError);
  // tie not in ascending id order
  EXPECT_THROW(SelectOutput<double>({2, 0, 4}, {0, 2, 3}, {0.5, 0.5, 0.5}, ptr), ValueError);
  // wrong sizes / offsets
  EXPECT_THROW(SelectOutput<double>({2, 0}, {0, 2, 3}, {0.9, 0.1}, ptr), ValueError);
  EXPECT_THROW(SelectOutput<double>({2, 0, 4}, {0, 3}, {0.9, 0.1, 0.5}, ptr), ShapeError);
  EXPECT_THROW(SelectOutput<double>({2, 0, 4}, {0, 2, 3}, {0.9, 0.1}, ptr), ShapeError);
  EXPECT_THROW(SelectOutput<double>({2, 0, 4}, {0, 2, 3}, {0.9, std::nan(""), 0.5}, ptr),
               ValueError);
}

TEST(Select, SegmentSoftmaxMatchesPerGraphSoftmaxAndGradchecks) {
  std::vector<Index> ptr{0, 3, 3, 4, 8};
  Tensor<double> s0 = random_tensor({8}, 3, -2, 2);
  Tape<double> tape;
  Var<double> y = segment_softmax(tape.leaf(s0), ptr);
  for (std::size_t g = 0; g + 1 < ptr.size(); ++g) {
    double total = 0;
    for (Index i = ptr[g]; i < ptr[g + 1]; ++i) total += std::exp(s0[i]);
    for (Index i = ptr[g]; i < ptr[g + 1]; ++i) {
      EXPECT_NEAR(y.value()[i], std::exp(s0[i]) / total, 1e-15);
    }
  }
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return segment_softmax(in[0], ptr); },
      {s0});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(Select, GateAndGatedGatherGradcheck) {
  std::vector<Index> kept{4, 0, 2};
  for (PoolNonlinearity f :
       {PoolNonlinearity::kTanh, PoolNonlinearity::kSigmoid, PoolNonlinearity::kNone}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return gated_gather(in[0], kept, gather_gate(in[1], kept, f));
        },
        {random_tensor({5, 3}, 1), random_tensor({5}, 2, -2, 2)});
    EXPECT_TRUE(result.ok) << result.report;
  }
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({5, 3}, 1));
  Var<double> g = tape.leaf(random_tensor({3}, 2));
  std::vector<Index> twice{1, 1, 2};
  EXPECT_THROW(gated_gather(x, twice, g), ValueError);
  std::vector<Index> out_of_range{1, 5, 2};
  EXPECT_THROW(gated_gather(x, out_of_range, g), IndexError);
}

// dx and dgate of gated_gather against a naive loop, when x's and the gate's adjoints are fresh
// (gated_gather is their first writer) and when another op wrote into them first.
TEST(Select, GatedGatherBackwardMatchesNaiveLoopFreshOrAccumulating) {
  const Index N = 300, F = 70;  // several row chunks
  std::vector<Index> kept;
  for (Index r = N - 1; r >= 0; r -= 3) kept.push_back(r);  // every third row, descending
  const Index K = static_cast<Index>(kept.size());
  const Tensor<double> x0 = random_tensor({N, F}, 11), g0 = random_tensor({K}, 12);
  const Tensor<double> seed = random_tensor({K, F}, 13), c0 = random_tensor({N, F}, 14);
  for (bool other_first : {false, true}) {
    for (int threads : {1, 2}) {
      ThreadLimit limit(threads);
      Tape<double> tape;
      Var<double> x = tape.leaf(x0), gate = tape.leaf(g0);
      Var<double> out = gated_gather(x, kept, gate);
      Var<double> total = sum(mul(out, tape.constant(seed)));
      if (other_first) {
        // recorded later, so their backward runs first: dx = c0 + ..., dgate = 2 + ...
        total = add(total, sum(mul(x, tape.constant(c0))));
        total = add(total, sum(scale(gate, 2.0)));
      }
      tape.backward(total);
      for (Index r = 0; r < N; ++r) {
        const auto it = std::find(kept.begin(), kept.end(), r);
        const Index i = it == kept.end() ? -1 : static_cast<Index>(it - kept.begin());
        for (Index c = 0; c < F; ++c) {
          double want = other_first ? c0(r, c) : 0.0;
          if (i >= 0) want += g0[i] * seed(i, c);
          ASSERT_NEAR(x.grad()(r, c), want, 1e-12) << r << ", " << c << " " << other_first;
        }
      }
      for (Index i = 0; i < K; ++i) {
        double want = other_first ? 2.0 : 0.0;
        for (Index c = 0; c < F; ++c) want += seed(i, c) * x0(kept[i], c);
        ASSERT_NEAR(gate.grad()[i], want, 1e-12) << i;
      }
    }
  }
}

TEST(Select, PoolByScoreConnectsInducedSubgraphAndBatch) {
  GraphBatch batch = testing::random_batch({6, 1, 0, 9, 4}, 8, 3);
  const Index N = batch.num_nodes();
  Tensor<double> x0 = random_tensor({N, 3}, 1), s0 = random_tensor({N}, 2);
  Tape<double> tape;
  PoolOutput<double> out =
      pool_by_score(tape.leaf(x0), batch, tape.leaf(s0), SelectOptions().ratio(0.5));
  const auto kept = out.kept();
  // naive connect: old edges with both ends kept, renumbered; CSR order = stable by new target
  std::vector<Index> pos(static_cast<std::size_t>(N), -1);
  for (std::size_t i = 0; i < kept.size(); ++i) pos[kept[i]] = static_cast<Index>(i);
  auto old_edges = testing::edges_of(batch.graph());
  testing::EdgeList expected;
  for (Index t = 0; t < static_cast<Index>(kept.size()); ++t) {
    for (std::size_t e = 0; e < old_edges.src.size(); ++e) {
      if (pos[old_edges.dst[e]] == t && pos[old_edges.src[e]] >= 0) {
        expected.src.push_back(pos[old_edges.src[e]]);
        expected.dst.push_back(t);
      }
    }
  }
  auto got = testing::edges_of(out.batch.graph());
  EXPECT_EQ(got.src, expected.src);
  EXPECT_EQ(got.dst, expected.dst);
  ASSERT_EQ(out.batch.num_graphs(), batch.num_graphs());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(out.batch.node_graph()[i], batch.node_graph()[kept[i]]);
    EXPECT_NEAR(out.x.value()(static_cast<Index>(i), 1), x0(kept[i], 1) * std::tanh(s0[kept[i]]),
                1e-15);
    EXPECT_NEAR(out.score.value()[static_cast<Index>(i)], std::tanh(s0[kept[i]]), 1e-15);
  }
  EXPECT_EQ(out.edge_ids.size(), got.src.size());
}

}  // namespace
}  // namespace graphpool
