// The issue-8 readouts at the peer's group-a sizes (../shared/peer/bench.py group a): 10,000 graphs
// of 20..60 nodes, 400,261 nodes in all, F = 128, float32; the peer side is
// bench/peer_aggregations.py (the PyG formulas in plain torch). Bytes processed = bytes of x.
//   build/bench/bench_aggregations --benchmark_repetitions=9
//   --benchmark_report_aggregates_only=true
//
// Cases (names are what bench/compare.py maps the peer's cases to):
//   agg/<op>_fwd        the free kernel into preallocated outputs (softmax, powermean, var, std)
//   agg/<op>_fwd_tape   tape.clear(), leaf(x) (a copy of x into reused storage), the op / module
//   agg/<op>_fwd_bwd_tape   the same + tape.backward(out, seed): forward + backward
//   baseline/leaf_copy  tape.clear() + leaf(x) alone: the copy every *_tape case pays
// ops: softmax (learnable t = 1), powermean (learnable p = 1, clamped), var, std, attention (gate
// Linear(F, 1), nn = identity), set2set (3 steps), sort (k = 30), weight_and_sum, multi (mean,
// max, std).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench_data.hpp"
#include "bench/bench_main.hpp"
#include "core/linear.hpp"
#include "core/parallel.hpp"
#include "core/random.hpp"
#include "core/tape.hpp"
#include "layers/attentional_aggregation.hpp"
#include "layers/multi_aggregation.hpp"
#include "layers/power_mean_aggregation.hpp"
#include "layers/set2set.hpp"
#include "layers/softmax_aggregation.hpp"
#include "layers/sort_aggregation.hpp"
#include "layers/variance_aggregation.hpp"
#include "layers/weight_and_sum.hpp"

namespace graphpool {
namespace {

constexpr Index kGraphs = 10'000;
constexpr Index kFeatures = 128;
constexpr Index kPeerNodes = 400'261;  // the peer's batch (torch.randint(20, 61) with seed 1)
constexpr Index kSortK = 30;
constexpr Index kSet2SetSteps = 3;

struct Data {
  std::vector<Index> node_ptr = bench::peer_like_node_ptr(kGraphs, kPeerNodes, 1);
  Tensor<float> x;
  std::map<Index, Tensor<float>> seeds;  // upstream gradients [G, cols] by cols
  Data() : x(bench::normal_tensor({node_ptr.back(), kFeatures}, CounterRng(2, 0))) {}
  const Tensor<float>& seed(const Shape& shape) {
    auto it = seeds.find(shape[1]);
    if (it != seeds.end()) return it->second;
    Tensor<float> s =
        bench::normal_tensor(shape, CounterRng(3, static_cast<std::uint64_t>(shape[1])));
    return seeds.emplace(shape[1], std::move(s)).first->second;
  }
  std::int64_t x_bytes() const { return x.numel() * static_cast<std::int64_t>(sizeof(float)); }
};

Data& data() {
  static Data d;
  return d;
}

void finish(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * data().x_bytes());
  state.counters["graphs"] = static_cast<double>(kGraphs);
}

// The modules, built once (parameters as PyG's defaults where it has them).
struct Modules {
  Generator gen{7};
  SoftmaxAggregation<float> softmax{SoftmaxAggregationOptions().learn(true)};
  PowerMeanAggregation<float> power_mean{PowerMeanAggregationOptions().learn(true)};
  Linear<float> gate{LinearOptions(kFeatures, 1), gen};
  AttentionalAggregation<float> attention{gate, [this](Var<float> h) { return gate.forward(h); }};
  Set2Set<float> set2set{Set2SetOptions(kFeatures, kSet2SetSteps), gen};
  SortAggregation<float> sort{SortAggregationOptions(kSortK)};
  WeightAndSum<float> weight_and_sum{WeightAndSumOptions(kFeatures), gen};
  MultiAggregation<float> multi{MultiAggregationOptions(
      {AggregationKind::kMean, AggregationKind::kMax, AggregationKind::kStd})};
};

Modules& modules() {
  static Modules m;
  return m;
}

using Op = std::function<Var<float>(Var<float>, std::span<const Index>)>;

std::vector<std::pair<std::string, Op>> tape_ops() {
  Modules& m = modules();
  return {
      {"softmax", [&m](Var<float> x, std::span<const Index> p) { return m.softmax.forward(x, p); }},
      {"powermean",
       [&m](Var<float> x, std::span<const Index> p) { return m.power_mean.forward(x, p); }},
      {"var", [](Var<float> x, std::span<const Index> p) { return global_var_pool(x, p); }},
      {"std", [](Var<float> x, std::span<const Index> p) { return global_std_pool(x, p); }},
      {"attention",
       [&m](Var<float> x, std::span<const Index> p) { return m.attention.forward(x, p); }},
      {"set2set", [&m](Var<float> x, std::span<const Index> p) { return m.set2set.forward(x, p); }},
      {"sort", [&m](Var<float> x, std::span<const Index> p) { return m.sort.forward(x, p); }},
      {"weight_and_sum",
       [&m](Var<float> x, std::span<const Index> p) { return m.weight_and_sum.forward(x, p); }},
      {"multi", [&m](Var<float> x, std::span<const Index> p) { return m.multi.forward(x, p); }},
  };
}

void BM_Tape(benchmark::State& state, Op op, bool backward) {
  Data& d = data();
  Tape<float> tape;
  {  // untimed warm-up: draws the upstream gradient of out's shape, sizes the tape's storage
    Var<float> out = op(tape.leaf(d.x), d.node_ptr);
    if (backward) tape.backward(out, d.seed(out.shape()));
  }
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(d.x);
    Var<float> out = op(x, d.node_ptr);
    if (backward) tape.backward(out, d.seed(out.shape()));
    benchmark::DoNotOptimize(tape.value(out).data());
    benchmark::ClobberMemory();
  }
  finish(state);
}

void BM_LeafCopy(benchmark::State& state) {
  Data& d = data();
  Tape<float> tape;
  for (auto _ : state) {
    tape.clear();
    Var<float> x = tape.leaf(d.x);
    benchmark::DoNotOptimize(tape.value(x).data());
    benchmark::ClobberMemory();
  }
  finish(state);
}

// The free kernels into preallocated outputs.
void BM_Kernel(benchmark::State& state, const std::string& op) {
  Data& d = data();
  Tensor<float> out({kGraphs, kFeatures}), a({kGraphs, kFeatures}), b({kGraphs, kFeatures});
  const std::vector<float> one{1.f};
  for (auto _ : state) {
    if (op == "softmax") {
      segment_softmax_aggregate<float>(std::as_const(d.x).matrix(), one, d.node_ptr, out.matrix(),
                                       a.matrix(), b.matrix());
    } else if (op == "powermean") {
      segment_power_mean<float>(std::as_const(d.x).matrix(), one, d.node_ptr, out.matrix(),
                                a.matrix());
    } else {
      segment_var<float>(std::as_const(d.x).matrix(), d.node_ptr, out.matrix(), a.matrix());
      if (op == "std") std_from_var<float>(out.matrix());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  finish(state);
}

void wall(benchmark::internal::Benchmark* b) {
  b->UseRealTime()->Unit(benchmark::kMillisecond);
}

void register_all() {
  for (const char* op : {"softmax", "powermean", "var", "std"}) {
    wall(benchmark::RegisterBenchmark((std::string("agg/") + op + "_fwd").c_str(), BM_Kernel,
                                      std::string(op)));
  }
  for (auto& [name, op] : tape_ops()) {
    wall(benchmark::RegisterBenchmark(("agg/" + name + "_fwd_tape").c_str(), BM_Tape, op, false));
    wall(
        benchmark::RegisterBenchmark(("agg/" + name + "_fwd_bwd_tape").c_str(), BM_Tape, op, true));
  }
  wall(benchmark::RegisterBenchmark("baseline/leaf_copy", BM_LeafCopy));
}

}  // namespace
}  // namespace graphpool

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, graphpool::register_all);
}
