// `graphpool train`: trains a graph classifier with the peer's protocol and writes, per seed,
// metrics (CSV), a training curve (SVG) and a checkpoint of the best-validation weights, plus a
// JSON summary over all seeds.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>

#include "apps/commands.hpp"
#include "apps/dataset_source.hpp"
#include "apps/training_curve.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "io/checkpoint.hpp"
#include "io/text_file.hpp"
#include "models/model_config.hpp"
#include "models/model_factory.hpp"
#include "models/trainer.hpp"

namespace graphpool::cli {

namespace {

struct TrainArgs {
  std::string data;
  std::string name;
  std::string model = "sagpool_h";
  Index hidden = 128;
  double ratio = 0.5;
  double dropout = 0.5;
  double lr = 5e-4;
  double weight_decay = 1e-4;
  Index batch_size = 128;
  int epochs = 100;
  int patience = 20;
  std::vector<std::uint64_t> seeds{0};
  int threads = 0;
  std::string out = "out/train";
  bool quiet = false;
};

struct SeedResult {
  std::uint64_t seed;
  TrainResult result;
  double median_epoch_seconds;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string metrics_csv(const std::vector<EpochMetrics>& history) {
  std::ostringstream csv;
  csv << "epoch,train_loss,val_loss,val_accuracy,seconds\n" << std::setprecision(9);
  for (const EpochMetrics& m : history) {
    csv << m.epoch << ',' << m.train_loss << ',' << m.val_loss << ',' << m.val_accuracy << ','
        << m.seconds << '\n';
  }
  return csv.str();
}

std::string summary_json(const TrainArgs& args, const GraphCollection& data,
                         const std::vector<SeedResult>& runs) {
  std::vector<double> accuracies, epoch_seconds;
  for (const SeedResult& r : runs) {
    accuracies.push_back(r.result.test.accuracy);
    epoch_seconds.push_back(r.median_epoch_seconds);
  }
  double mean = 0;
  for (double a : accuracies) mean += a / static_cast<double>(accuracies.size());
  double var = 0;
  for (double a : accuracies) var += (a - mean) * (a - mean);
  const double std = accuracies.size() > 1 ? std::sqrt(var / static_cast<double>(accuracies.size() - 1)) : 0.0;
  std::ostringstream j;
  j << std::setprecision(9) << "{\n  \"dataset\": \"" << data.name << "\",\n  \"graphs\": "
    << data.num_graphs() << ",\n  \"nodes\": " << data.num_nodes() << ",\n  \"edges\": "
    << data.num_edges() << ",\n  \"features\": " << data.num_features() << ",\n  \"classes\": "
    << data.num_classes << ",\n  \"model\": \"" << args.model << "\",\n  \"hidden\": " << args.hidden
    << ",\n  \"ratio\": " << args.ratio << ",\n  \"dropout\": " << args.dropout << ",\n  \"lr\": "
    << args.lr << ",\n  \"weight_decay\": " << args.weight_decay << ",\n  \"batch_size\": "
    << args.batch_size << ",\n  \"max_epochs\": " << args.epochs << ",\n  \"patience\": "
    << args.patience << ",\n  \"threads\": " << max_threads() << ",\n  \"runs\": [";
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const SeedResult& r = runs[i];
    j << (i ? "," : "") << "\n    {\"seed\": " << r.seed << ", \"epochs_run\": "
      << r.result.history.size() << ", \"best_epoch\": " << r.result.best_epoch
      << ", \"best_val_loss\": " << r.result.best_val.loss << ", \"best_val_accuracy\": "
      << r.result.best_val.accuracy << ", \"test_loss\": " << r.result.test.loss
      << ", \"test_accuracy\": " << r.result.test.accuracy << ", \"median_epoch_s\": "
      << r.median_epoch_seconds << "}";
  }
  j << "\n  ],\n  \"test_accuracy_mean\": " << mean << ",\n  \"test_accuracy_std\": " << std
    << ",\n  \"median_epoch_s\": " << median(epoch_seconds) << "\n}\n";
  return j.str();
}

void run_train(const TrainArgs& args, Context& context) {
  std::unique_ptr<ThreadLimit> limit;
  if (args.threads > 0) limit = std::make_unique<ThreadLimit>(args.threads);
  const auto load_start = std::chrono::steady_clock::now();
  const GraphCollection data = load_graphs(args.data, args.name);
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  if (data.num_classes < 2) {
    throw ValueError(args.data + ": a classifier needs at least 2 classes, the dataset has " +
                     std::to_string(data.num_classes));
  }
  std::filesystem::create_directories(args.out);
  context.out << "graphpool train: " << data.name << " (" << data.num_graphs() << " graphs, "
              << data.num_nodes() << " nodes, " << data.num_features() << " features, "
              << data.num_classes << " classes; loaded in " << fixed(load_seconds, 3)
              << " s), model " << args.model << ", " << max_threads() << " threads\n";
  std::vector<SeedResult> runs;
  for (std::uint64_t seed : args.seeds) {
    Generator gen(seed);
    const ModelOptions model_options = ModelOptions(data.num_features(), data.num_classes)
                                           .hidden(args.hidden)
                                           .ratio(args.ratio)
                                           .dropout(args.dropout);
    auto model = make_classifier(args.model, model_options, gen);
    const Split split = random_split(data.num_graphs(), seed);
    const TrainOptions options = TrainOptions()
                                     .max_epochs(args.epochs)
                                     .patience(args.patience)
                                     .batch_size(args.batch_size)
                                     .lr(args.lr)
                                     .weight_decay(args.weight_decay)
                                     .seed(seed);
    TrainResult result = train_classifier(*model, data, split, options, [&](const EpochMetrics& m) {
      if (args.quiet) return;
      context.out << "seed " << seed << " epoch " << std::setw(3) << m.epoch << "/" << args.epochs
                  << "  train loss " << fixed(m.train_loss, 4) << "  val loss "
                  << fixed(m.val_loss, 4) << "  val acc " << fixed(m.val_accuracy, 4) << "  "
                  << fixed(m.seconds, 3) << " s\n"
                  << std::flush;
    });
    const std::string dir = args.out + "/seed_" + std::to_string(seed);
    std::filesystem::create_directories(dir);
    write_text_file(dir + "/metrics.csv", metrics_csv(result.history));
    write_text_file(dir + "/curve.svg",
                    training_curve_svg(result.history, args.model + " on " + data.name +
                                                           ", seed " + std::to_string(seed)));
    save_checkpoint<float>(dir + "/best.h5", *model, nullptr,
                           CheckpointInfo()
                               .model(args.model)
                               .config(to_config(model_options))
                               .epoch(result.best_epoch)
                               .seed(seed));
    std::vector<double> seconds;
    for (const EpochMetrics& m : result.history) seconds.push_back(m.seconds);
    context.out << "seed " << seed << ": best epoch " << result.best_epoch << " (val loss "
                << fixed(result.best_val.loss, 4) << "), test accuracy "
                << fixed(result.test.accuracy, 4) << ", median epoch " << fixed(median(seconds), 3)
                << " s\n";
    runs.push_back({seed, std::move(result), median(seconds)});
  }
  const std::string summary = summary_json(args, data, runs);
  write_text_file(args.out + "/summary.json", summary);
  double mean = 0;
  for (const SeedResult& r : runs) mean += r.result.test.accuracy / static_cast<double>(runs.size());
  context.out << "test accuracy over " << runs.size() << " seed(s): mean " << fixed(mean, 4)
              << "; summary in " << args.out << "/summary.json\n";
}

}  // namespace

void register_train(CLI::App& app, Context& context) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "Train a graph classifier (early stopping, 80/10/10 split)");
  cmd->add_option("--data", args->data, "HDF5 dataset file or TU text folder")->required();
  cmd->add_option("--name", args->name, "TU dataset name (default: the folder's name)");
  cmd->add_option("--model", args->model, "sagpool_h, sagpool_g or topk_h")->capture_default_str();
  cmd->add_option("--hidden", args->hidden, "GCN width")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--ratio", args->ratio, "fraction of nodes each pooling keeps, (0, 1]")->capture_default_str();
  cmd->add_option("--dropout", args->dropout, "dropout after the first MLP layer")->capture_default_str();
  cmd->add_option("--lr", args->lr, "Adam learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--weight-decay", args->weight_decay, "Adam L2 weight decay")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "graphs per mini-batch")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", args->epochs, "maximum epochs")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--patience", args->patience, "early-stopping patience (epochs)")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--seeds", args->seeds, "comma-separated seeds, e.g. 0,1,2")->delimiter(',')->capture_default_str();
  cmd->add_option("--threads", args->threads, "TBB threads (0: all cores)")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--out", args->out, "output folder")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "no per-epoch progress lines");
  cmd->callback([args, &context] { run_train(*args, context); });
}

}  // namespace graphpool::cli
