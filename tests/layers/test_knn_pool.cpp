#include "layers/knn_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/errors.hpp"
#include "tests/layers/pool_test_util.hpp"
#include "tests/support/gradcheck.hpp"

namespace graphpool {
namespace {

using testing::random_tensor;

double sqd(const Tensor<double>& pos, Index a, Index b) {
  double acc = 0;
  for (Index d = 0; d < pos.dim(1); ++d) acc += std::pow(pos(a, d) - pos(b, d), 2);
  return acc;
}

// The whole pipeline written independently with plain loops.
struct NaiveKnn {
  std::vector<Index> centres, centre_ptr{0}, cluster;
  std::vector<std::vector<Index>> members;
  Tensor<double> x;
  std::set<std::pair<Index, Index>> edges;  // (target cluster, source cluster)
};

NaiveKnn naive_knn_pool(const Tensor<double>& x, const Tensor<double>& pos, const GraphBatch& batch,
                        Index k, double ratio, bool max, const std::vector<Index>& first) {
  NaiveKnn r;
  const Index F = x.dim(1);
  for (Index g = 0; g < batch.num_graphs(); ++g) {
    const Index a = batch.node_ptr()[g], n = batch.graph_size(g);
    const Index K = n == 0 ? 0 : std::min<Index>(n, std::ceil(float(n) * float(ratio)));
    std::vector<Index> chosen;
    if (K > 0) chosen.push_back(a + first[g]);
    while (static_cast<Index>(chosen.size()) < K) {
      Index best = -1;
      double best_d = -1;
      for (Index i = a; i < a + n; ++i) {
        if (std::find(chosen.begin(), chosen.end(), i) != chosen.end()) continue;
        double d = 1e300;
        for (Index c : chosen) d = std::min(d, sqd(pos, i, c));
        if (d > best_d) best_d = d, best = i;
      }
      chosen.push_back(best);
    }
    for (Index c : chosen) {
      std::vector<std::pair<double, Index>> order;
      for (Index i = a; i < a + n; ++i)
        if (i != c) order.emplace_back(sqd(pos, i, c), i);
      std::sort(order.begin(), order.end());
      std::vector<Index> m{c};
      for (std::size_t t = 0; t < order.size() && static_cast<Index>(m.size()) < k; ++t)
        m.push_back(order[t].second);
      r.members.push_back(m);
      r.centres.push_back(c);
    }
    r.centre_ptr.push_back(static_cast<Index>(r.centres.size()));
  }
  const Index K = static_cast<Index>(r.centres.size());
  r.x = Tensor<double>(Shape{K, F});
  for (Index j = 0; j < K; ++j)
    for (Index f = 0; f < F; ++f) {
      double acc = max ? -1e300 : 0;
      for (Index i : r.members[j]) acc = max ? std::max(acc, x(i, f)) : acc + x(i, f);
      r.x(j, f) = max ? acc : acc / static_cast<double>(r.members[j].size());
    }
  r.cluster.assign(static_cast<std::size_t>(batch.num_nodes()), -1);
  for (Index g = 0; g < batch.num_graphs(); ++g)
    for (Index i = batch.node_ptr()[g]; i < batch.node_ptr()[g + 1]; ++i) {
      double best = 1e300;
      for (Index j = r.centre_ptr[g]; j < r.centre_ptr[g + 1]; ++j) {
        if (r.centres[j] == i) {
          r.cluster[i] = j;
          break;
        }
        if (sqd(pos, i, r.centres[j]) < best) best = sqd(pos, i, r.centres[j]), r.cluster[i] = j;
      }
    }
  const Graph& gr = batch.graph();
  for (Index t = 0; t < gr.num_nodes(); ++t)
    for (Index e = gr.edge_ptr()[t]; e < gr.edge_ptr()[t + 1]; ++e) {
      const Index cs = r.cluster[gr.sources()[e]], ct = r.cluster[t];
      if (cs != ct) r.edges.emplace(ct, cs);
    }
  return r;
}

struct KnnCase {
  GraphBatch batch = testing::random_batch({9, 1, 14, 6}, 5);
  Tensor<double> x = random_tensor({30, 3}, 6);
  Tensor<double> pos = random_tensor({30, 2}, 7);
};

void expect_matches_naive(const KnnPoolOutput<double>& out, const NaiveKnn& want) {
  EXPECT_EQ(out.centres, want.centres);
  EXPECT_EQ(out.centre_ptr, want.centre_ptr);
  EXPECT_EQ(out.cluster, want.cluster);
  ASSERT_EQ(out.members.num_clusters(), static_cast<Index>(want.members.size()));
  for (Index j = 0; j < out.members.num_clusters(); ++j) {
    std::vector<Index> got(out.members.members().begin() + out.members.member_ptr()[j],
                           out.members.members().begin() + out.members.member_ptr()[j + 1]);
    EXPECT_EQ(got, want.members[j]) << "centre " << j;
  }
  ASSERT_EQ(out.x.shape(), want.x.shape());
  EXPECT_LT(testing::max_abs_diff(out.x.value(), want.x), 1e-14);
  testing::EdgeList e = testing::edges_of(out.batch.graph());
  std::set<std::pair<Index, Index>> got;
  for (std::size_t i = 0; i < e.src.size(); ++i) got.emplace(e.dst[i], e.src[i]);
  EXPECT_EQ(got, want.edges);
  EXPECT_EQ(e.src.size(), want.edges.size());  // merged: no repeated cluster pair
}

TEST(KnnPool, MatchesNaiveLoopsMaxAndMean) {
  KnnCase c;
  const CounterRng rng(42, 0);
  std::vector<Index> first;
  for (Index g = 0; g < c.batch.num_graphs(); ++g) {
    first.push_back(static_cast<Index>(rng.below(g, c.batch.graph_size(g))));
  }
  for (KnnReduce reduce : {KnnReduce::kMax, KnnReduce::kMean}) {
    Tape<double> tape;
    KnnPoolOutput<double> out =
        knn_pool(tape.leaf(c.x), c.pos, c.batch, KnnPoolOptions(3).ratio(0.4).reduce(reduce), rng);
    NaiveKnn want = naive_knn_pool(c.x, c.pos, c.batch, 3, 0.4, reduce == KnnReduce::kMax, first);
    expect_matches_naive(out, want);
    EXPECT_EQ(out.batch.num_graphs(), 4);
    for (Index j = 0; j < static_cast<Index>(out.centres.size()); ++j) {
      EXPECT_EQ(out.pos(j, 1), c.pos(out.centres[j], 1));
    }
  }
  // random_start = false starts at node 0 of every graph
  Tape<double> tape;
  KnnPoolOutput<double> out = knn_pool(tape.leaf(c.x), c.pos, c.batch,
                                       KnnPoolOptions(4).ratio(0.5).random_start(false), rng);
  expect_matches_naive(out, naive_knn_pool(c.x, c.pos, c.batch, 4, 0.5, true, {0, 0, 0, 0}));
}

TEST(KnnPool, FarthestPointSamplingOnALine) {
  // points 0, 1, 2, 3, 10 on a line, start at node 0: then node 4 (at 10, distance^2 100), then
  // node 3 (distance^2 9 to the chosen set {0, 10}), as torch_cluster's fps
  Tensor<double> pos(Shape{5, 1}, std::vector<double>{0, 1, 2, 3, 10});
  std::vector<Index> node_ptr{0, 5};
  FpsResult r = farthest_point_sampling(pos, node_ptr, 0.6, FpsStart::kFirst, CounterRng(0, 0));
  EXPECT_EQ(r.centres, (std::vector<Index>{0, 4, 3}));
  // ceil(0.6 * 5) = 3 centres; the nearest-centre partition
  EXPECT_EQ(nearest_centre(pos, node_ptr, r), (std::vector<Index>{0, 0, 2, 2, 1}));
  // 0, 1, 2: from node 0, node 2 (distance^2 4) and then node 1
  Tensor<double> sym(Shape{3, 1}, std::vector<double>{0, 1, 2});
  std::vector<Index> p3{0, 3};
  EXPECT_EQ(farthest_point_sampling(sym, p3, 1.0, FpsStart::kFirst, CounterRng(0, 0)).centres,
            (std::vector<Index>{0, 2, 1}));
  // coincident points: a chosen node is never chosen again
  Tensor<double> same(Shape{3, 2}, 1.0);
  EXPECT_EQ(farthest_point_sampling(same, p3, 1.0, FpsStart::kFirst, CounterRng(0, 0)).centres,
            (std::vector<Index>{0, 1, 2}));
}

TEST(KnnPool, GradcheckMaxAndMean) {
  KnnCase c;
  for (KnnReduce reduce : {KnnReduce::kMax, KnnReduce::kMean}) {
    auto result = testing::gradcheck(
        [&](Tape<double>&, std::span<const Var<double>> in) {
          return knn_pool(in[0], c.pos, c.batch, KnnPoolOptions(4).ratio(0.3).reduce(reduce),
                          CounterRng(3, 1))
              .x;
        },
        {c.x});
    EXPECT_TRUE(result.ok) << result.report;
  }
}

// Permuting the nodes within every graph (pos and x with them) permutes the centres, members and
// partition the same way and leaves pooled features and the coarsened graph unchanged. Uses the
// seed-independent FpsStart::kFarthestFromMean (kRandom draws a local index, which a permutation
// moves to another node; kFirst is tested with permutations that fix each graph's node 0).
TEST(KnnPool, PermutationEquivariant) {
  KnnCase c;
  for (FpsStart start : {FpsStart::kFarthestFromMean, FpsStart::kFirst}) {
    std::vector<Index> perm = testing::within_graph_permutation(c.batch, 17);
    if (start == FpsStart::kFirst) {
      // make perm fix the first node of every graph: swap it back
      for (Index g = 0; g < c.batch.num_graphs(); ++g) {
        const Index a = c.batch.node_ptr()[g];
        if (c.batch.graph_size(g) == 0) continue;
        const auto it = std::find(perm.begin(), perm.end(), a);
        std::swap(*it, perm[a]);
      }
    }
    GraphBatch pb = testing::permute_batch(c.batch, perm);
    Tensor<double> px = testing::permute_rows(c.x, perm), ppos = testing::permute_rows(c.pos, perm);
    for (KnnReduce reduce : {KnnReduce::kMax, KnnReduce::kMean}) {
      const KnnPoolOptions opt = KnnPoolOptions(3).ratio(0.5).start(start).reduce(reduce);
      Tape<double> tape;
      KnnPoolOutput<double> a = knn_pool(tape.leaf(c.x), c.pos, c.batch, opt, CounterRng(1, 0));
      KnnPoolOutput<double> b = knn_pool(tape.leaf(px), ppos, pb, opt, CounterRng(99, 5));
      ASSERT_EQ(a.centres.size(), b.centres.size());
      for (std::size_t j = 0; j < a.centres.size(); ++j) {
        EXPECT_EQ(perm[a.centres[j]], b.centres[j]);
      }
      for (Index i = 0; i < c.batch.num_nodes(); ++i) EXPECT_EQ(a.cluster[i], b.cluster[perm[i]]);
      for (Index j = 0; j < a.members.num_clusters(); ++j) {
        std::set<Index> ma, mb;
        for (Index t = a.members.member_ptr()[j]; t < a.members.member_ptr()[j + 1]; ++t)
          ma.insert(perm[a.members.members()[t]]);
        for (Index t = b.members.member_ptr()[j]; t < b.members.member_ptr()[j + 1]; ++t)
          mb.insert(b.members.members()[t]);
        EXPECT_EQ(ma, mb);
      }
      EXPECT_LT(testing::max_abs_diff(a.x.value(), b.x.value()), 1e-14);
      EXPECT_EQ(a.batch.graph(), b.batch.graph());
    }
  }
}

TEST(KnnPool, BitwiseIdenticalForAnyThreadCountAndSeeded) {
  GraphBatch batch = testing::random_batch(std::vector<Index>(40, 30), 8);
  Tensor<double> x = random_tensor({1200, 16}, 1), pos = random_tensor({1200, 3}, 2);
  // The output Var lives on the run's tape, so its value is copied out before the tape goes.
  auto run = [&](int threads, std::uint64_t seed, Tensor<double>& value, Tensor<double>& grad) {
    ThreadLimit limit(threads);
    KnnPool<double> pool(KnnPoolOptions(6).ratio(0.25), seed);
    Tape<double> tape;
    Var<double> xv = tape.leaf(x);
    KnnPoolOutput<double> out = pool.forward(xv, pos, batch);
    tape.backward(out.x, Tensor<double>(out.x.shape(), 1.0));
    value = out.x.value();
    grad = xv.grad();
    return out;
  };
  Tensor<double> v1, v2, v3, g1, g2, g3;
  KnnPoolOutput<double> a = run(1, 7, v1, g1), b = run(2, 7, v2, g2), d = run(2, 8, v3, g3);
  EXPECT_EQ(a.centres, b.centres);
  EXPECT_TRUE(testing::bitwise_equal(v1, v2));
  EXPECT_TRUE(testing::bitwise_equal(g1, g2));
  EXPECT_EQ(a.batch.graph(), b.batch.graph());
  EXPECT_NE(a.centres, d.centres);  // another seed, other starting nodes
}

TEST(KnnPool, FloatRuns) {
  KnnCase c;
  Tensor<float> xf(c.x.shape()), pf(c.pos.shape());
  for (Index i = 0; i < c.x.numel(); ++i) xf[i] = static_cast<float>(c.x[i]);
  for (Index i = 0; i < c.pos.numel(); ++i) pf[i] = static_cast<float>(c.pos[i]);
  Tape<float> tf;
  Tape<double> td;
  const KnnPoolOptions opt = KnnPoolOptions(3).ratio(0.5).reduce(KnnReduce::kMean);
  KnnPoolOutput<float> f = knn_pool(tf.leaf(xf), pf, c.batch, opt, CounterRng(1, 0));
  KnnPoolOutput<double> d = knn_pool(td.leaf(c.x), c.pos, c.batch, opt, CounterRng(1, 0));
  EXPECT_EQ(f.centres, d.centres);
  for (Index i = 0; i < d.x.value().numel(); ++i) EXPECT_NEAR(f.x.value()[i], d.x.value()[i], 1e-6);
}

TEST(KnnPool, RejectsBadOptionsAndShapes) {
  KnnCase c;
  Tape<double> tape;
  Var<double> x = tape.leaf(c.x);
  EXPECT_THROW(knn_pool(x, c.pos, c.batch, KnnPoolOptions(0), CounterRng(0, 0)), ValueError);
  EXPECT_THROW(knn_pool(x, c.pos, c.batch, KnnPoolOptions(2).ratio(1.5), CounterRng(0, 0)),
               ValueError);
  EXPECT_THROW(knn_pool(x, random_tensor({29, 2}, 1), c.batch, KnnPoolOptions(2), CounterRng(0, 0)),
               ShapeError);
  EXPECT_THROW(knn_pool(tape.leaf(random_tensor({29, 3}, 1)), c.pos, c.batch, KnnPoolOptions(2),
                        CounterRng(0, 0)),
               ShapeError);
}

}  // namespace
}  // namespace graphpool
