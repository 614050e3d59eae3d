#include "layers/topk_pool.hpp"

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
  Var<double> p = tape.leaf(c.tensor("param_p"));
  const double ratio = c.attribute("ratio")[0];
  PoolOutput<double> out = topk_pool(x, batch, p, TopKPoolOptions(4).ratio(ratio));
  testing::expect_matches_golden_forward(c, out);
  tape.backward(out.x, c.tensor("grad_out"));
  EXPECT_LT(testing::max_abs_diff(x.grad(), c.tensor("grad_x")), 1e-12);
  EXPECT_LT(testing::max_abs_diff(p.grad(), c.tensor("grad_p")), 1e-12);
}

TEST(TopKPool, MatchesGoldenRatio0_5) {
  check_golden("topk_pool_ratio0_5");
}
TEST(TopKPool, MatchesGoldenRatio0_3) {
  check_golden("topk_pool_ratio0_3");
}

// Naive reference of the whole layer: scores by a plain loop, per-graph stable sort, gather, gate,
// edge filter.
struct NaivePool {
  std::vector<Index> kept, batch;
  testing::EdgeList edges;
  RowMatrix<double> x;
};
NaivePool naive_topk(const Tensor<double>& x, const Tensor<double>& p, const GraphBatch& b,
                     double ratio) {
  const Index N = x.dim(0), F = x.dim(1);
  double norm = 0;
  for (Index c = 0; c < F; ++c) norm += p[c] * p[c];
  norm = std::sqrt(norm);
  std::vector<double> s(static_cast<std::size_t>(N));
  for (Index i = 0; i < N; ++i) {
    double dot = 0;
    for (Index c = 0; c < F; ++c) dot += x(i, c) * p[c];
    s[i] = dot / norm;
  }
  NaivePool out;
  for (Index g = 0; g < b.num_graphs(); ++g) {
    std::vector<Index> ids;
    for (Index i = b.node_ptr()[g]; i < b.node_ptr()[g + 1]; ++i) ids.push_back(i);
    std::stable_sort(ids.begin(), ids.end(), [&](Index u, Index v) { return s[u] > s[v]; });
    const Index n = static_cast<Index>(ids.size());
    const Index k = std::min<Index>(n, static_cast<Index>(std::ceil(float(ratio) * float(n))));
    for (Index j = 0; j < k; ++j) out.kept.push_back(ids[j]), out.batch.push_back(g);
  }
  const Index K = static_cast<Index>(out.kept.size());
  out.x.resize(K, F);
  for (Index i = 0; i < K; ++i)
    out.x.row(i) = x.matrix().row(out.kept[i]) * std::tanh(s[out.kept[i]]);
  std::vector<Index> pos(static_cast<std::size_t>(N), -1);
  for (Index i = 0; i < K; ++i) pos[out.kept[i]] = i;
  auto old = testing::edges_of(b.graph());
  for (Index t = 0; t < K; ++t) {
    for (std::size_t e = 0; e < old.src.size(); ++e) {
      if (pos[old.dst[e]] == t && pos[old.src[e]] >= 0) {
        out.edges.src.push_back(pos[old.src[e]]);
        out.edges.dst.push_back(t);
      }
    }
  }
  return out;
}

TEST(TopKPool, MatchesNaiveReferenceWithTiedScores) {
  GraphBatch batch = testing::random_batch({7, 1, 0, 12, 5, 2}, 4, 3);
  const Index N = batch.num_nodes();
  Tensor<double> x = random_tensor({N, 3}, 6);
  // duplicate rows inside graphs: exactly tied scores, resolved to the lower id
  for (Index i = 2; i < N; i += 3) x.matrix().row(i) = x.matrix().row(i - 2);
  Tensor<double> p = random_tensor({3}, 7);
  for (double ratio : {0.5, 0.3, 0.8, 1.0}) {
    SCOPED_TRACE(ratio);
    Tape<double> tape;
    PoolOutput<double> out =
        topk_pool(tape.leaf(x), batch, tape.leaf(p), TopKPoolOptions(3).ratio(ratio));
    NaivePool want = naive_topk(x, p, batch, ratio);
    EXPECT_EQ(std::vector<Index>(out.kept().begin(), out.kept().end()), want.kept);
    const auto ng = out.batch.node_graph();
    EXPECT_EQ(std::vector<Index>(ng.begin(), ng.end()), want.batch);
    auto got = testing::edges_of(out.batch.graph());
    EXPECT_EQ(got.src, want.edges.src);
    EXPECT_EQ(got.dst, want.edges.dst);
    EXPECT_LT((out.x.value().matrix() - want.x).cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(TopKPool, EdgeCasesKLargerThanGraphTinyRatioNoEdgesSingleNode) {
  // graphs of 0, 1, 3, 5 nodes and no edges at all
  GraphBatch batch = testing::random_batch({0, 1, 3, 5}, 1, /*edges_per_node=*/0, false);
  ASSERT_EQ(batch.num_edges(), 0);
  Tensor<double> x = random_tensor({9, 2}, 1);
  Tensor<double> p = random_tensor({2}, 2);
  auto kept_per_graph = [&](const TopKPoolOptions& o) {
    Tape<double> tape;
    PoolOutput<double> out = topk_pool(tape.leaf(x), batch, tape.leaf(p), o);
    EXPECT_EQ(out.batch.num_edges(), 0);
    EXPECT_EQ(out.batch.num_graphs(), 4);
    std::vector<Index> sizes;
    for (Index g = 0; g < 4; ++g) sizes.push_back(out.batch.graph_size(g));
    return sizes;
  };
  EXPECT_EQ(kept_per_graph(TopKPoolOptions(2).k(4)), (std::vector<Index>{0, 1, 3, 4}));
  EXPECT_EQ(kept_per_graph(TopKPoolOptions(2).k(100)), (std::vector<Index>{0, 1, 3, 5}));
  EXPECT_EQ(kept_per_graph(TopKPoolOptions(2).ratio(1e-4)), (std::vector<Index>{0, 1, 1, 1}));
  EXPECT_EQ(kept_per_graph(TopKPoolOptions(2).ratio(0.5)), (std::vector<Index>{0, 1, 2, 3}));
  // a single-node graph alone
  GraphBatch one = testing::random_batch({1}, 1, 0, false);
  Tape<double> tape;
  Tensor<double> x1 = random_tensor({1, 2}, 3);
  PoolOutput<double> out = topk_pool(tape.leaf(x1), one, tape.leaf(p), TopKPoolOptions(2));
  ASSERT_EQ(out.kept().size(), 1u);
  EXPECT_EQ(out.kept()[0], 0);
  // the empty batch
  Tape<double> t2;
  PoolOutput<double> none =
      topk_pool(t2.leaf(Tensor<double>({0, 2})), GraphBatch(), t2.leaf(p), TopKPoolOptions(2));
  EXPECT_EQ(none.x.shape(), (Shape{0, 2}));
}

TEST(TopKPool, RejectsBadOptionsAndShapes) {
  Generator gen(1);
  EXPECT_THROW(TopKPool<double>(TopKPoolOptions(4).ratio(1.5), gen), ValueError);
  EXPECT_THROW(TopKPool<double>(TopKPoolOptions(4).k(0), gen), ValueError);
  EXPECT_THROW(TopKPool<double>(TopKPoolOptions(0), gen), ValueError);
  GraphBatch batch = testing::random_batch({3, 4}, 1);
  Tape<double> tape;
  Var<double> x = tape.leaf(random_tensor({7, 4}, 1));
  EXPECT_THROW(topk_pool(x, batch, tape.leaf(random_tensor({3}, 2)), TopKPoolOptions(4)),
               ShapeError);
  Tensor<double> nan_x = random_tensor({7, 4}, 1);
  nan_x(5, 2) = std::nan("");
  try {
    topk_pool(tape.leaf(nan_x), batch, tape.leaf(random_tensor({4}, 2)), TopKPoolOptions(4));
    ADD_FAILURE() << "NaN score accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("node 5"), std::string::npos) << e.what();
  }
}

TEST(TopKPool, GradcheckFeaturesAndProjection) {
  GraphBatch batch = testing::random_batch({5, 1, 7, 3}, 2, 3);
  const Index N = batch.num_nodes();
  for (PoolNonlinearity f :
       {PoolNonlinearity::kTanh, PoolNonlinearity::kSigmoid, PoolNonlinearity::kNone}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return topk_pool(in[0], batch, in[1], TopKPoolOptions(3).ratio(0.5).nonlinearity(f)).x;
        },
        {random_tensor({N, 3}, 1), random_tensor({3}, 2)});
    EXPECT_TRUE(result.ok) << result.report;
  }
  // min_score: softmax gate; and the module's parameter p
  Generator gen(3);
  TopKPool<double> pool(TopKPoolOptions(3).min_score(0.1), gen);
  auto result = testing::gradcheck(
      [&](Tape<double>&, std::span<const Var<double>> in) { return pool.forward(in[0], batch).x; },
      {random_tensor({N, 3}, 4, -2, 2)}, {&pool.p()});
  EXPECT_TRUE(result.ok) << result.report;
}

TEST(TopKPool, MinScoreFollowsPyG) {
  // PyG: score = softmax_g(x p) (not divided by ||p||), kept when > min(min_score, max - tol),
  // gate = the softmax score
  GraphBatch batch = testing::random_batch({4, 6}, 5, 2);
  Tensor<double> x = random_tensor({10, 2}, 8, -2, 2), p = random_tensor({2}, 9);
  Tape<double> tape;
  PoolOutput<double> out =
      topk_pool(tape.leaf(x), batch, tape.leaf(p), TopKPoolOptions(2).min_score(0.2));
  std::vector<double> sm(10);
  for (Index g = 0; g < 2; ++g) {
    double total = 0;
    for (Index i = batch.node_ptr()[g]; i < batch.node_ptr()[g + 1]; ++i) {
      total += std::exp(x(i, 0) * p[0] + x(i, 1) * p[1]);
    }
    for (Index i = batch.node_ptr()[g]; i < batch.node_ptr()[g + 1]; ++i) {
      sm[i] = std::exp(x(i, 0) * p[0] + x(i, 1) * p[1]) / total;
    }
  }
  std::vector<Index> want;
  for (Index g = 0; g < 2; ++g) {
    const Index a = batch.node_ptr()[g], b = batch.node_ptr()[g + 1];
    const double mx = *std::max_element(sm.begin() + a, sm.begin() + b);
    std::vector<Index> ids;
    for (Index i = a; i < b; ++i) {
      if (sm[i] > std::min(0.2, mx - 1e-7)) ids.push_back(i);
    }
    std::stable_sort(ids.begin(), ids.end(), [&](Index u, Index v) { return sm[u] > sm[v]; });
    want.insert(want.end(), ids.begin(), ids.end());
  }
  ASSERT_EQ(std::vector<Index>(out.kept().begin(), out.kept().end()), want);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(out.score.value()[static_cast<Index>(i)], sm[want[i]], 1e-14);
    EXPECT_NEAR(out.x.value()(static_cast<Index>(i), 1), x(want[i], 1) * sm[want[i]], 1e-14);
  }
}

TEST(TopKPool, PooledNodeSetIsPermutationEquivariant) {
  GraphBatch batch = testing::random_batch({8, 3, 11}, 12, 3);
  const Index N = batch.num_nodes();
  std::vector<Index> perm = testing::within_graph_permutation(batch, 5);
  Tensor<double> x = random_tensor({N, 4}, 1), p = random_tensor({4}, 2);
  Tape<double> tape;
  PoolOutput<double> a = topk_pool(tape.leaf(x), batch, tape.leaf(p), TopKPoolOptions(4));
  PoolOutput<double> b =
      topk_pool(tape.leaf(testing::permute_rows(x, perm)), testing::permute_batch(batch, perm),
                tape.leaf(p), TopKPoolOptions(4));
  ASSERT_EQ(a.kept().size(), b.kept().size());
  for (std::size_t i = 0; i < a.kept().size(); ++i) EXPECT_EQ(b.kept()[i], perm[a.kept()[i]]);
  EXPECT_LT(testing::max_abs_diff(a.x.value(), b.x.value()), 1e-14);
  // same pooled graph up to the order of edges within a target
  auto ea = testing::edges_of(a.batch.graph()), eb = testing::edges_of(b.batch.graph());
  std::vector<std::pair<Index, Index>> sa, sb;
  for (std::size_t e = 0; e < ea.src.size(); ++e) sa.emplace_back(ea.dst[e], ea.src[e]);
  for (std::size_t e = 0; e < eb.src.size(); ++e) sb.emplace_back(eb.dst[e], eb.src[e]);
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  EXPECT_EQ(sa, sb);
}

TEST(TopKPool, ModuleInitAndOneVersusTwoThreadsBitwise) {
  Generator gen(9);
  TopKPool<float> pool(TopKPoolOptions(32).ratio(0.5), gen);
  const float bound = 1.0f / std::sqrt(32.0f);
  EXPECT_LE(pool.p().value.flat().cwiseAbs().maxCoeff(), bound);
  EXPECT_EQ(pool.named_parameters().at(0).first, "p");
  std::vector<Index> sizes;
  for (Index g = 0; g < 128; ++g) sizes.push_back(20 + (g * 13) % 41);
  GraphBatch batch = testing::random_batch(sizes, 3, 4);
  Tensor<float> x0 = testing::random_tensor_float({batch.num_nodes(), 32}, 1);
  auto run = [&](int threads) {
    ThreadLimit limit(threads);
    pool.zero_grad();
    Tape<float> tape;
    Var<float> x = tape.leaf(x0);
    PoolOutput<float> out = pool.forward(x, batch);
    Tensor<float> seed = testing::random_tensor_float(out.x.shape(), 2);
    tape.backward(out.x, seed);
    return std::make_tuple(std::vector<Index>(out.kept().begin(), out.kept().end()), out.x.value(),
                           x.grad(), pool.p().grad);
  };
  auto [k1, y1, gx1, gp1] = run(1);
  auto [k2, y2, gx2, gp2] = run(2);
  EXPECT_EQ(k1, k2);
  EXPECT_TRUE(testing::bitwise_equal(y1, y2));
  EXPECT_TRUE(testing::bitwise_equal(gx1, gx2));
  EXPECT_TRUE(testing::bitwise_equal(gp1, gp2));
}

}  // namespace
}  // namespace graphpool
