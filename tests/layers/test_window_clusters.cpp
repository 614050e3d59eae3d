// The design point of the CNN pooling family: a pooling window is a cluster of grid nodes, and
// each strided kernel equals the general cluster reduction on the window clusters, forward and
// backward.
#include "layers/window_clusters.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "core/ops.hpp"
#include "graph/grid.hpp"
#include "layers/adaptive_pool2d.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/global_pool2d.hpp"
#include "layers/lp_pool2d.hpp"
#include "layers/max_pool2d.hpp"
#include "layers/mixed_pool2d.hpp"
#include "layers/softmax_pool2d.hpp"
#include "layers/stochastic_pool2d.hpp"
#include "tests/layers/pool2d_test_util.hpp"

namespace graphpool {
namespace {

using testing::max_abs_diff;

using ImageOp = std::function<Var<double>(Var<double>)>;
using NodeOp = std::function<Var<double>(Var<double>)>;

// Runs the grid op on a [1, C, H, W] image and the cluster op on its [H W, C] node features;
// returns (max |out difference|, max |grad difference|).
std::pair<double, double> compare(const Tensor<double>& image, const ImageOp& grid_op,
                                  const NodeOp& cluster_op, Index OH, Index OW) {
  const Index H = image.dim(2), W = image.dim(3), C = image.dim(1);
  const Tensor<double> seed = testing::random_tensor({1, C, OH, OW}, 555);
  testing::OpRun<double> fast = testing::run_op(image, grid_op, &seed);
  // the same seed as [K, C] cluster rows
  Tensor<double> seed_nodes(Shape{OH * OW, C});
  for (Index c = 0; c < C; ++c)
    for (Index k = 0; k < OH * OW; ++k) seed_nodes[k * C + c] = seed[c * OH * OW + k];
  testing::OpRun<double> slow = testing::run_op(image_to_nodes(image), cluster_op, &seed_nodes);
  const Tensor<double> out = nodes_to_image(slow.out, OH, OW);
  const Tensor<double> grad = nodes_to_image(slow.grad_x, H, W);
  EXPECT_EQ(fast.out.numel(), out.numel());
  return {max_abs_diff(fast.out, out), max_abs_diff(fast.grad_x, grad)};
}

struct Geometry {
  Index k, s, p, d;
  bool ceil;
};
const Geometry kGeometries[] = {{2, 2, 0, 1, false}, {3, 2, 1, 1, false}, {2, 2, 0, 1, true},
                                {3, 2, 1, 1, true},  {3, 1, 0, 2, false}, {4, 3, 2, 1, true}};

TEST(WindowClusters, MaxFastPathEqualsClusterMaxIncludingTies) {
  for (const Geometry& g : kGeometries) {
    for (bool ties : {false, true}) {
      Tensor<double> x = testing::random_tensor({1, 3, 9, 11}, 201);
      if (ties)
        for (Index i = 0; i < x.numel(); ++i) x[i] = std::round(x[i]);
      const auto o = MaxPool2dOptions(g.k).stride(g.s).padding(g.p).dilation(g.d).ceil_mode(g.ceil);
      const PoolGrid grid = max_pool2d_grid(o, 9, 11);
      const ClusterMembership m = window_clusters(grid);
      auto [dout, dgrad] = compare(
          x, [&](Var<double> v) { return max_pool2d(v, o); },
          [&](Var<double> v) { return cluster_max_pool(v, m).out; }, grid.out_h(), grid.out_w());
      EXPECT_EQ(dout, 0.0);
      EXPECT_EQ(dgrad, 0.0);  // the same arg-max, also among ties
    }
  }
}

TEST(WindowClusters, AvgFastPathEqualsClusterMean) {
  for (const Geometry& g : kGeometries) {
    if (g.d != 1) continue;
    for (bool include_pad : {true, false}) {
      const Tensor<double> x = testing::random_tensor({1, 3, 9, 11}, 202);
      const auto o =
          AvgPool2dOptions(g.k).stride(g.s).padding(g.p).ceil_mode(g.ceil).count_include_pad(
              include_pad);
      const PoolGrid grid = avg_pool2d_grid(o, 9, 11);
      const ClusterMembership m = window_clusters(grid);
      auto [dout, dgrad] = compare(
          x, [&](Var<double> v) { return avg_pool2d(v, o); },
          [&](Var<double> v) { return cluster_mean_pool(v, m, include_pad); }, grid.out_h(),
          grid.out_w());
      EXPECT_LT(dout, 1e-14);  // the strided kernel sums rows first: rounding only
      EXPECT_LT(dgrad, 1e-14);
    }
  }
}

TEST(WindowClusters, LpSoftmaxMixedFastPathsEqualClusterReductions) {
  const Tensor<double> x = testing::random_tensor({1, 3, 9, 11}, 203);
  for (const Geometry& g : kGeometries) {
    if (g.d != 1) continue;
    if (g.p == 0) {  // Lp pooling has no padding, as torch
      const auto o = LpPool2dOptions(2.5, g.k).stride(g.s).ceil_mode(g.ceil);
      const PoolGrid grid = lp_pool2d_grid(o, 9, 11);
      const ClusterMembership m = window_clusters(grid);
      auto [dout, dgrad] = compare(
          x, [&](Var<double> v) { return lp_pool2d(v, o); },
          [&](Var<double> v) { return cluster_lp_pool(v, m, 2.5); }, grid.out_h(), grid.out_w());
      EXPECT_EQ(dout, 0.0);
      EXPECT_EQ(dgrad, 0.0);
    }
    const auto so = SoftmaxPool2dOptions(g.k).stride(g.s).padding(g.p).ceil_mode(g.ceil).beta(1.3);
    const PoolGrid sgrid = softmax_pool2d_grid(so, 9, 11);
    const ClusterMembership sm = window_clusters(sgrid);
    auto [sout, sgrad] = compare(
        x, [&](Var<double> v) { return softmax_pool2d(v, so); },
        [&](Var<double> v) { return cluster_softmax_pool(v, sm, 1.3); }, sgrid.out_h(),
        sgrid.out_w());
    EXPECT_EQ(sout, 0.0);
    EXPECT_EQ(sgrad, 0.0);
    const auto mo = MixedPool2dOptions(g.k).stride(g.s).padding(g.p).ceil_mode(g.ceil).alpha(0.3);
    const ClusterMembership mm = window_clusters(sgrid);  // same windows
    auto [mout, mgrad] = compare(
        x, [&](Var<double> v) { return mixed_pool2d(v, mo); },
        [&](Var<double> v) { return cluster_mixed_pool(v, mm, 0.3, true); }, sgrid.out_h(),
        sgrid.out_w());
    EXPECT_LT(mout, 1e-14);
    EXPECT_LT(mgrad, 1e-14);
  }
}

TEST(WindowClusters, StochasticFastPathEqualsClusterPathBitwise) {
  // one image: the grid draws at NCHW output index c * K + k, the cluster path at f * K + c
  const Tensor<double> x = testing::random_tensor({1, 4, 9, 11}, 204, 0, 1);
  for (const Geometry& g : kGeometries) {
    if (g.d != 1) continue;
    const auto o = StochasticPool2dOptions(g.k).stride(g.s).padding(g.p).ceil_mode(g.ceil);
    const PoolGrid grid = window_grid("test", 9, 11, g.k, g.s, g.p, 1, g.ceil);
    const ClusterMembership m = window_clusters(grid);
    for (bool training : {true, false}) {
      std::optional<CounterRng> rng;
      if (training) rng = CounterRng(17, 3);
      auto [dout, dgrad] = compare(
          x, [&](Var<double> v) { return stochastic_pool2d(v, o, rng); },
          [&](Var<double> v) { return cluster_stochastic_pool(v, m, rng); }, grid.out_h(),
          grid.out_w());
      EXPECT_EQ(dout, 0.0);
      EXPECT_EQ(dgrad, 0.0);
    }
  }
}

TEST(WindowClusters, AdaptiveAndGlobalEqualClusterPath) {
  const Tensor<double> x = testing::random_tensor({1, 3, 9, 11}, 205);
  for (Size2 s : {Size2(3, 2), Size2(4, 5), Size2(1, 1)}) {
    const PoolGrid grid = adaptive_grid("test", 9, 11, s);
    const ClusterMembership m = window_clusters(grid);
    auto [mo, mg] = compare(
        x, [&](Var<double> v) { return adaptive_max_pool2d(v, s); },
        [&](Var<double> v) { return cluster_max_pool(v, m).out; }, s.h, s.w);
    EXPECT_EQ(mo, 0.0);
    EXPECT_EQ(mg, 0.0);
    auto [ao, ag] = compare(
        x, [&](Var<double> v) { return adaptive_avg_pool2d(v, s); },
        [&](Var<double> v) { return cluster_mean_pool(v, m); }, s.h, s.w);
    EXPECT_LT(ao, 1e-14);
    EXPECT_LT(ag, 1e-14);
  }
  const ClusterMembership all = window_clusters(global_grid(9, 11));
  auto [go, gg] = compare(
      x,
      [&](Var<double> v) {
        return reshape(global_max_pool2d(v), Shape{1, 3, 1, 1});
      },
      [&](Var<double> v) { return cluster_max_pool(v, all).out; }, 1, 1);
  EXPECT_EQ(go, 0.0);
  EXPECT_EQ(gg, 0.0);
}

TEST(WindowClusters, WindowsAreConnectedClustersCoveringTheGridGraph) {
  // k2 s2 on an even grid partitions the nodes; k3 s2 p1 covers them with overlaps; each window
  // (dilation 1) is a connected subgraph of the 4-neighbour grid graph
  const Graph grid = grid_graph(8, 10);
  for (auto [k, p] : {std::pair<Index, Index>{2, 0}, {3, 1}}) {
    const ClusterMembership m = window_clusters(window_grid("test", 8, 10, k, 2, p, 1, false));
    EXPECT_EQ(m.num_nodes(), grid.num_nodes());
    std::vector<int> seen(static_cast<std::size_t>(grid.num_nodes()), 0);
    for (Index c = 0; c < m.num_clusters(); ++c) {
      std::set<Index> members(m.members().begin() + m.member_ptr()[c],
                              m.members().begin() + m.member_ptr()[c + 1]);
      for (Index i : members) ++seen[static_cast<std::size_t>(i)];
      // flood fill inside the cluster along grid edges
      std::set<Index> reached{*members.begin()};
      std::vector<Index> stack{*members.begin()};
      while (!stack.empty()) {
        const Index t = stack.back();
        stack.pop_back();
        for (Index e = grid.edge_ptr()[t]; e < grid.edge_ptr()[t + 1]; ++e) {
          const Index s = grid.sources()[e];
          if (members.count(s) && reached.insert(s).second) stack.push_back(s);
        }
      }
      EXPECT_EQ(reached.size(), members.size()) << "cluster " << c;
    }
    for (int count : seen) {
      EXPECT_GE(count, 1);
      if (k == 2) {
        EXPECT_EQ(count, 1);
      }
    }
  }
}

}  // namespace
}  // namespace graphpool
