// Graph pooling at the peer's sizes (../shared/peer/bench.py group b): 128 PROTEINS-like graphs,
// n ~ U{20..60} nodes (nudged to the peer's 5,106 in all), round(n * 150/80) distinct undirected
// edges per graph stored in both directions, F = 128, ratio 0.5, float32.
//   build/bench/bench_graph_pool --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
//
// Every case runs on the tape as a training step would: tape.clear() (storage reused), x as a
// leaf (a copy into reused storage), parameters via tape.parameter(), then the layer; fwd cases
// need no gradient (nothing recorded, as torch.no_grad()), fwd_bwd cases add
// tape.backward(out, seed) with a fixed upstream gradient into x and every parameter.
//   graph_pool/topk_fwd, topk_fwd_bwd       TopKPool (score x p / ||p||, select, connect, gate)
//   graph_pool/sag_fwd, sag_fwd_bwd         SagPool incl. building the GCN normalisation
//   graph_pool/gcn_norm                     GcnNorm of the batch (coefficients + transpose)
//   graph_pool/gcn_fwd, gcn_fwd_bwd         GcnConv 128 -> 128 on a prebuilt normalisation
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/bench_data.hpp"
#include "bench/bench_main.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/gcn.hpp"
#include "layers/sag_pool.hpp"
#include "layers/topk_pool.hpp"

namespace graphpool {
namespace {

constexpr Index kGraphs = 128;
constexpr Index kFeatures = 128;
constexpr Index kPeerNodes = 5'106;  // the peer's batch (torch.randint(20, 61) with seed 2)

// Python's round(): half to even (n * 150 / 80 ends in .5 when n = 4 mod 8).
Index round_half_even(double v) {
  const double r = std::nearbyint(v);  // default rounding mode: to nearest, ties to even
  return static_cast<Index>(r);
}

// Sizes U{20..60} nudged to the peer's node count; per graph round(n * 150/80) distinct pairs
// i < j chosen uniformly, stored as (i, j) then (j, i) like the peer's [chosen, chosen.flip(0)].
GraphBatch peer_like_batch() {
  const std::vector<Index> sizes_ptr = bench::peer_like_node_ptr(kGraphs, kPeerNodes, 2);
  std::vector<Index> src, dst, node_ptr{0};
  for (Index g = 0; g < kGraphs; ++g) {
    const Index n = sizes_ptr[g + 1] - sizes_ptr[g], offset = node_ptr.back();
    std::vector<std::pair<Index, Index>> pairs;
    for (Index i = 0; i < n; ++i) {
      for (Index j = i + 1; j < n; ++j) pairs.emplace_back(i, j);
    }
    const Index m = round_half_even(static_cast<double>(n) * 150.0 / 80.0);
    std::vector<Index> order = random_permutation(
        static_cast<Index>(pairs.size()), CounterRng(2, 100 + static_cast<std::uint64_t>(g)));
    std::vector<Index> a, b;
    for (Index k = 0; k < m; ++k) {
      a.push_back(offset + pairs[order[k]].first);
      b.push_back(offset + pairs[order[k]].second);
    }
    src.insert(src.end(), a.begin(), a.end()), dst.insert(dst.end(), b.begin(), b.end());
    src.insert(src.end(), b.begin(), b.end()), dst.insert(dst.end(), a.begin(), a.end());
    node_ptr.push_back(offset + n);
  }
  return GraphBatch(Graph::from_edges(node_ptr.back(), src, dst), node_ptr);
}

struct Data {
  GraphBatch batch = peer_like_batch();
  Tensor<float> x = bench::normal_tensor({batch.num_nodes(), kFeatures}, CounterRng(3, 0));
  Generator gen{4};
  TopKPool<float> topk{TopKPoolOptions(kFeatures).ratio(0.5), gen};
  SagPool<float> sag{SagPoolOptions(kFeatures).ratio(0.5), gen};
  GcnConv<float> conv{GcnConvOptions(kFeatures, kFeatures), gen};
  GcnNorm<float> norm{batch.graph()};
  Tensor<float> seed_pool;  // upstream gradient of the pooled x (K rows, the same K for both pools)
  Tensor<float> seed_gcn = bench::normal_tensor({batch.num_nodes(), kFeatures}, CounterRng(6, 0));
  Data() {
    Index K = 0;
    for (Index g = 0; g < batch.num_graphs(); ++g) {
      K += top_k_count(batch.graph_size(g), SelectOptions().ratio(0.5));
    }
    seed_pool = bench::normal_tensor({K, kFeatures}, CounterRng(5, 0));
  }
};

Data& data() {
  static Data d;
  return d;
}

void finish(benchmark::State& state) {
  const Data& d = data();
  state.SetBytesProcessed(state.iterations() * d.x.numel() *
                          static_cast<std::int64_t>(sizeof(float)));
  state.counters["graphs_per_s"] = benchmark::Counter(
      static_cast<double>(kGraphs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["nodes"] = static_cast<double>(d.batch.num_nodes());
  state.counters["edges"] = static_cast<double>(d.batch.num_edges());
}

void BM_TopK(benchmark::State& state, bool backward) {
  Data& d = data();
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(d.x, backward);
    if (!backward) {
      // no gradient anywhere: the parameter enters as a constant
      PoolOutput<float> out = topk_pool(x, d.batch, tape.constant(d.topk.p().value),
                                        TopKPoolOptions(kFeatures).ratio(0.5));
      benchmark::DoNotOptimize(out.x.value().data());
    } else {
      PoolOutput<float> out = d.topk.forward(x, d.batch);
      tape.backward(out.x, d.seed_pool);
      benchmark::DoNotOptimize(x.grad().data());
    }
    benchmark::ClobberMemory();
  }
  finish(state);
}

void BM_Sag(benchmark::State& state, bool backward) {
  Data& d = data();
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(d.x, backward);
    GcnNorm<float> norm(d.batch.graph());  // the peer builds A_hat inside SAGPooling.forward
    if (!backward) {
      GcnConv<float>& s = d.sag.score_gcn();
      PoolOutput<float> out =
          sag_pool(x, d.batch, norm, tape.constant(s.weight().value),
                   tape.constant(s.bias()->value), SagPoolOptions(kFeatures).ratio(0.5));
      benchmark::DoNotOptimize(out.x.value().data());
    } else {
      PoolOutput<float> out = d.sag.forward(x, d.batch, norm);
      tape.backward(out.x, d.seed_pool);
      benchmark::DoNotOptimize(x.grad().data());
    }
    benchmark::ClobberMemory();
  }
  finish(state);
}

void BM_GcnNorm(benchmark::State& state) {
  Data& d = data();
  for (auto _ : state) {
    GcnNorm<float> norm(d.batch.graph());
    benchmark::DoNotOptimize(norm.edge_coef().data());
  }
  finish(state);
}

void BM_Gcn(benchmark::State& state, bool backward) {
  Data& d = data();
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(d.x, backward);
    if (!backward) {
      Var<float> out = gcn_conv(x, d.norm, tape.constant(d.conv.weight().value),
                                tape.constant(d.conv.bias()->value));
      benchmark::DoNotOptimize(out.value().data());
    } else {
      Var<float> out = d.conv.forward(x, d.norm);
      tape.backward(out, d.seed_gcn);
      benchmark::DoNotOptimize(x.grad().data());
    }
    benchmark::ClobberMemory();
  }
  finish(state);
}

// Every case runs parallel code: wall-clock time is the measure.
void wall(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

void register_all() {
  wall(benchmark::RegisterBenchmark("graph_pool/topk_fwd", BM_TopK, false));
  wall(benchmark::RegisterBenchmark("graph_pool/topk_fwd_bwd", BM_TopK, true));
  wall(benchmark::RegisterBenchmark("graph_pool/sag_fwd", BM_Sag, false));
  wall(benchmark::RegisterBenchmark("graph_pool/sag_fwd_bwd", BM_Sag, true));
  wall(benchmark::RegisterBenchmark("graph_pool/gcn_norm", BM_GcnNorm));
  wall(benchmark::RegisterBenchmark("graph_pool/gcn_fwd", BM_Gcn, false));
  wall(benchmark::RegisterBenchmark("graph_pool/gcn_fwd_bwd", BM_Gcn, true));
}

}  // namespace
}  // namespace graphpool

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, graphpool::register_all);
}
