// One SAGPool_h training epoch on PROTEINS with the peer's protocol (../shared/peer/sagpool_h.py
// time_epochs, bench.py group d): all 1,113 graphs, batch 128, shuffled, collate + forward +
// backward + Adam per batch, one untimed warm-up epoch, then one epoch per timed iteration
// (run with --benchmark_repetitions=5 for the peer's median of 5 epochs).
//   build/bench/bench_train_epoch --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// The dataset is read with the TU reader from ../shared/data/TU/PROTEINS (relative to the repo
// root, or GRAPHPOOL_TU_ROOT/PROTEINS); without it the case is skipped with a message.
//   train_epoch/sagpool_h_proteins          the whole epoch (what the peer times)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "bench/bench_main.hpp"
#include "core/optim.hpp"
#include "io/tu_reader.hpp"
#include "models/model_factory.hpp"
#include "models/trainer.hpp"

namespace graphpool {
namespace {

// <repo>/../shared/data/TU, found from this source file's location (the build may run anywhere).
std::string tu_root() {
  if (const char* root = std::getenv("GRAPHPOOL_TU_ROOT")) return root;
  const std::filesystem::path repo = std::filesystem::path(__FILE__).parent_path().parent_path();
  return (repo / ".." / "shared" / "data" / "TU").lexically_normal().string();
}

struct Setup {
  GraphCollection data;
  Generator gen{0};  // outlives the model: its dropout draws a stream from it at every forward
  std::unique_ptr<GraphClassifier<float>> model;
  std::unique_ptr<Adam<float>> optimizer;
  std::vector<Index> graphs;
  std::uint64_t epoch = 0;
  Tape<float> tape;     // reused by every epoch, as train_classifier does
  std::string missing;  // why the case is skipped, when it is

  Setup() {
    const std::string dir = tu_root() + "/PROTEINS";
    if (!std::filesystem::exists(dir + "/PROTEINS_A.txt")) {
      missing = "no PROTEINS_A.txt under " + dir + " (set GRAPHPOOL_TU_ROOT)";
      return;
    }
    data = read_tu(dir, "PROTEINS");
    model = make_classifier("sagpool_h", ModelOptions(data.num_features(), data.num_classes), gen);
    // the peer's optimizer: Adam lr 5e-4, weight decay 1e-4
    optimizer =
        std::make_unique<Adam<float>>(model->parameters(), AdamOptions(5e-4).weight_decay(1e-4));
    graphs.resize(static_cast<std::size_t>(data.num_graphs()));
    std::iota(graphs.begin(), graphs.end(), Index{0});
    run_epoch();  // warm-up, untimed (as the peer's epoch 0)
  }
  double run_epoch() { return train_epoch(*model, *optimizer, data, graphs, 128, ++epoch, tape); }
};

void BM_TrainEpoch(benchmark::State& state) {
  static Setup setup;
  if (!setup.missing.empty()) {
    state.SkipWithError(setup.missing.c_str());
    return;
  }
  double loss = 0;
  for (auto _ : state) {
    loss = setup.run_epoch();
    benchmark::DoNotOptimize(loss);
  }
  state.counters["graphs_per_s"] = benchmark::Counter(
      static_cast<double>(setup.data.num_graphs()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["train_loss"] = loss;
}

void register_all() {
  benchmark::RegisterBenchmark("train_epoch/sagpool_h_proteins", BM_TrainEpoch)
      ->Iterations(1)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace graphpool

int main(int argc, char** argv) {
  return graphpool::bench::run(argc, argv, graphpool::register_all);
}
