#pragma once
// Test helpers for the `graphpool train` tests (resume, crash safety, determinism): the bundled
// MUTAG dataset, the train outputs reduced to what must be bitwise identical between runs (the
// wall-clock columns and the thread count are left out), and the path of the built tool (run it
// with tests/support/child_process).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/optim.hpp"
#include "io/checkpoint.hpp"
#include "models/model_config.hpp"
#include "models/model_factory.hpp"
#include "tests/support/child_process.hpp"

namespace graphpool::testing {

/// data/MUTAG of the repository (188 graphs, TU text format).
inline std::string mutag_dir() {
  return (std::filesystem::path(GRAPHPOOL_TEST_DATA_DIR) / ".." / ".." / "data" / "MUTAG")
      .lexically_normal()
      .string();
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// metrics.csv without its last column (seconds: wall time).
inline std::string metrics_without_seconds(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string out;
  for (std::string line; std::getline(in, line);) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

/// summary.json with the wall-time fields and the thread count blanked out.
inline std::string summary_without_timing(const std::string& path) {
  const std::string text = read_file(path);
  return std::regex_replace(std::regex_replace(text, std::regex(R"("median_epoch_s": [^,}\n]*)"),
                                               "\"median_epoch_s\": _"),
                            std::regex(R"("threads": [0-9]+)"), "\"threads\": _");
}

template <class T>
void append_bytes(std::string& out, const T* data, std::size_t count) {
  out.append(reinterpret_cast<const char*>(data), count * sizeof(T));
}

/// Everything a checkpoint of `graphpool train` restores, as bytes: the parameters, and when the
/// file has them, the Adam moments and step and the training state (without the wall times).
/// The model is rebuilt from the checkpoint's own model name and config.
inline std::string checkpoint_bytes(const std::string& path) {
  const CheckpointInfo info = read_checkpoint_info(path);
  Generator gen(0);
  auto model = make_classifier(info.model_, from_config(info.config_), gen);
  Adam<float> adam(model->parameters(), AdamOptions());
  TrainingState<float> state;
  load_checkpoint<float>(path, *model, info.has_optimizer_ ? &adam : nullptr,
                         info.has_training_ ? &state : nullptr);
  std::string out = info.model_ + "|" + info.config_ + "|" + std::to_string(info.epoch_) + "|" +
                    std::to_string(info.seed_) + "|";
  for (const Parameter<float>* p : model->parameters())
    append_bytes(out, p->value.data(), static_cast<std::size_t>(p->value.numel()));
  if (info.has_optimizer_) {
    for (const auto* moments : {&adam.first_moments(), &adam.second_moments()})
      for (const Tensor<float>& t : *moments)
        append_bytes(out, t.data(), static_cast<std::size_t>(t.numel()));
    out += "|step=" + std::to_string(adam.step_count());
  }
  if (info.has_training_) {
    for (const auto* column : {&state.train_loss, &state.val_loss, &state.val_accuracy})
      append_bytes(out, column->data(), column->size());
    for (const Tensor<float>& t : state.best_parameters)
      append_bytes(out, t.data(), static_cast<std::size_t>(t.numel()));
    const double numbers[] = {state.best_val_loss, state.best_val_accuracy, state.test_loss,
                              state.test_accuracy};
    append_bytes(out, numbers, 4);
    out += "|best_epoch=" + std::to_string(state.best_epoch) +
           " stopped=" + std::to_string(state.stopped) +
           " finished=" + std::to_string(state.finished) +
           " generator=" + std::to_string(state.generator_seed) + "/" +
           std::to_string(state.generator_streams) + " " + state.options + " " + state.dataset;
  }
  return out;
}

/// EXPECT that two byte strings are equal, reporting the length and the first differing byte.
inline void expect_same_bytes(const std::string& a, const std::string& b, const std::string& what) {
  if (a == b) return;
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  ADD_FAILURE() << what << ": differ at byte " << i << " (sizes " << a.size() << " and " << b.size()
                << ")";
}

// Every output that must be bitwise identical: per seed metrics.csv (without wall times),
// best.h5 and last.h5 (parameters, Adam state, training state), and summary.json.
inline void expect_same_outputs(const std::string& a, const std::string& b,
                                const std::vector<std::string>& seeds) {
  for (const std::string& seed : seeds) {
    const std::string da = a + "/seed_" + seed, db = b + "/seed_" + seed;
    EXPECT_EQ(metrics_without_seconds(da + "/metrics.csv"),
              metrics_without_seconds(db + "/metrics.csv"))
        << "seed " << seed;
    expect_same_bytes(checkpoint_bytes(da + "/best.h5"), checkpoint_bytes(db + "/best.h5"),
                      "best.h5 of seed " + seed);
    expect_same_bytes(checkpoint_bytes(da + "/last.h5"), checkpoint_bytes(db + "/last.h5"),
                      "last.h5 of seed " + seed);
  }
  EXPECT_EQ(summary_without_timing(a + "/summary.json"),
            summary_without_timing(b + "/summary.json"));
}

}  // namespace graphpool::testing
