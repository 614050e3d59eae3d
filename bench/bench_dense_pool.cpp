// Dense learned-cluster pooling and kNN pooling, float32.
//   build/bench/bench_dense_pool --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
//   dense_pool/diff_fwd, diff_fwd_bwd      dense_diff_pool, B = 32, N = 64, F = 128, C = 16
//   dense_pool/mincut_fwd, mincut_fwd_bwd  dense_mincut_pool, same sizes
//   knn_pool/fwd, fwd_bwd                  knn_pool (k = 8, ratio 0.5, max) on 128 PROTEINS-like
//                                          graphs (n ~ U{20..60}, round(n * 150/80) distinct
//                                          undirected pairs), F = 128, pos in 3-D
// fwd cases run with inputs that need no gradient (nothing recorded); fwd_bwd cases make x and
// the assignment logits leaves and run tape.backward on the sum of all outputs (a fixed seed).
#include <benchmark/benchmark.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "core/init.hpp"
#include "core/ops.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/dense_diff_pool.hpp"
#include "layers/dense_mincut_pool.hpp"
#include "layers/knn_pool.hpp"

namespace graphpool {
namespace {

constexpr Index kB = 32, kN = 64, kF = 128, kC = 16;

Tensor<float> uniform(const Shape& shape, std::uint64_t seed) {
  Tensor<float> t(shape);
  uniform_fill(t, -1.f, 1.f, CounterRng(seed, 0));
  return t;
}

// Symmetric 0/1 adjacency with about 4 neighbours per node, zero diagonal.
Tensor<float> dense_adj() {
  Tensor<float> a(Shape{kB, kN, kN});
  CounterRng rng(3, 0);
  for (Index b = 0; b < kB; ++b)
    for (Index i = 0; i < kN; ++i)
      for (Index j = i + 1; j < kN; ++j)
        if (rng.uniform(static_cast<std::uint64_t>((b * kN + i) * kN + j)) < 4.0 / kN)
          a[(b * kN + i) * kN + j] = a[(b * kN + j) * kN + i] = 1.f;
  return a;
}

struct DenseInputs {
  Tensor<float> x = uniform({kB, kN, kF}, 1);
  Tensor<float> s = uniform({kB, kN, kC}, 2);
  Tensor<float> adj = dense_adj();
};

template <bool kMinCut>
void run_dense(benchmark::State& state, bool backward) {
  DenseInputs in;
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(in.x, backward), s = tape.leaf(in.s, backward);
    Var<float> adj = tape.constant(in.adj);
    Var<float> total;
    if constexpr (kMinCut) {
      MinCutPoolOutput<float> out = dense_mincut_pool(x, adj, s);
      total = add(add(sum(out.x), sum(out.adj)), add(out.mincut_loss, out.ortho_loss));
    } else {
      DiffPoolOutput<float> out = dense_diff_pool(x, adj, s);
      total = add(add(sum(out.x), sum(out.adj)), add(out.link_loss, out.entropy_loss));
    }
    if (backward) tape.backward(total);
    benchmark::DoNotOptimize(total.value().data());
  }
}

GraphBatch proteins_like_batch(Index graphs) {
  CounterRng rng(2, 0);
  std::vector<Index> src, dst, node_ptr{0};
  std::uint64_t draw = 0;
  for (Index g = 0; g < graphs; ++g) {
    const Index n = 20 + static_cast<Index>(rng.below(draw++, 41)), a = node_ptr.back();
    const Index pairs = static_cast<Index>(std::nearbyint(n * 150.0 / 80.0));
    std::set<std::pair<Index, Index>> chosen;
    while (static_cast<Index>(chosen.size()) < pairs) {
      Index i = static_cast<Index>(rng.below(draw++, static_cast<std::uint64_t>(n)));
      Index j = static_cast<Index>(rng.below(draw++, static_cast<std::uint64_t>(n)));
      if (i == j) continue;
      if (i > j) std::swap(i, j);
      if (chosen.emplace(i, j).second) {
        src.push_back(a + i), dst.push_back(a + j);
        src.push_back(a + j), dst.push_back(a + i);
      }
    }
    node_ptr.push_back(a + n);
  }
  return GraphBatch(Graph::from_edges(node_ptr.back(), src, dst), node_ptr);
}

void run_knn(benchmark::State& state, bool backward) {
  GraphBatch batch = proteins_like_batch(128);
  const Index N = batch.num_nodes();
  Tensor<float> x = uniform({N, kF}, 4), pos = uniform({N, 3}, 5);
  KnnPool<float> pool(KnnPoolOptions(8).ratio(0.5), 1);
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> xv = tape.leaf(x, backward);
    KnnPoolOutput<float> out = pool.forward(xv, pos, batch);
    if (backward) tape.backward(sum(out.x));
    benchmark::DoNotOptimize(out.x.value().data());
  }
  state.counters["nodes"] = static_cast<double>(N);
}

void diff_fwd(benchmark::State& s) {
  run_dense<false>(s, false);
}
void diff_fwd_bwd(benchmark::State& s) {
  run_dense<false>(s, true);
}
void mincut_fwd(benchmark::State& s) {
  run_dense<true>(s, false);
}
void mincut_fwd_bwd(benchmark::State& s) {
  run_dense<true>(s, true);
}
void knn_fwd(benchmark::State& s) {
  run_knn(s, false);
}
void knn_fwd_bwd(benchmark::State& s) {
  run_knn(s, true);
}

BENCHMARK(diff_fwd)->Name("dense_pool/diff_fwd")->Unit(benchmark::kMicrosecond);
BENCHMARK(diff_fwd_bwd)->Name("dense_pool/diff_fwd_bwd")->Unit(benchmark::kMicrosecond);
BENCHMARK(mincut_fwd)->Name("dense_pool/mincut_fwd")->Unit(benchmark::kMicrosecond);
BENCHMARK(mincut_fwd_bwd)->Name("dense_pool/mincut_fwd_bwd")->Unit(benchmark::kMicrosecond);
BENCHMARK(knn_fwd)->Name("knn_pool/fwd")->Unit(benchmark::kMicrosecond);
BENCHMARK(knn_fwd_bwd)->Name("knn_pool/fwd_bwd")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace graphpool

BENCHMARK_MAIN();
