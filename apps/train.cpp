// `graphpool train`: trains a graph classifier with the peer's protocol and writes, per seed,
// metrics (CSV), a training curve (SVG), a checkpoint of the best-validation weights (best.h5) and
// a resumable training-state checkpoint (last.h5, every --checkpoint-every epochs), plus a JSON
// summary over all seeds. --resume continues each seed from its last.h5 (docs/checkpoints.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <memory>
#include <sstream>

#include "apps/commands.hpp"
#include "apps/dataset_source.hpp"
#include "apps/option_checks.hpp"
#include "apps/training_curve.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "io/atomic_replace.hpp"
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
  int checkpoint_every = 1;
  bool resume = false;
  int stop_after = 0;  ///< > 0: end this invocation after that many epochs (resumable)
};

/// Thrown (after last.h5 is written) when --stop-after epochs have run in this invocation.
struct StopRequested {};

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

/// "key=value ..." text as a map.
std::map<std::string, std::string> key_values(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream in(text);
  for (std::string item; in >> item;) {
    const auto eq = item.find('=');
    fields[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
  }
  return fields;
}

/// Appends "<key>: <saved> in the checkpoint, <now> now" for each key whose values differ.
void add_differences(const std::string& saved, const std::string& now,
                     std::vector<std::string>& out) {
  const auto a = key_values(saved), b = key_values(now);
  std::map<std::string, int> keys;
  for (const auto& [k, v] : a) keys[k] = 0;
  for (const auto& [k, v] : b) keys[k] = 0;
  for (const auto& [k, unused] : keys) {
    const auto ia = a.find(k), ib = b.find(k);
    const std::string va = ia == a.end() ? "(none)" : ia->second;
    const std::string vb = ib == b.end() ? "(none)" : ib->second;
    if (va != vb) out.push_back(k + ": " + va + " in the checkpoint, " + vb + " now");
  }
}

/// The state of a run as stored in last.h5 (the model and Adam state are saved beside it).
TrainingState<float> to_state(const TrainProgress& p, const Generator& gen,
                              const std::string& options, const std::string& dataset) {
  TrainingState<float> s;
  for (const EpochMetrics& m : p.history) {
    s.train_loss.push_back(m.train_loss);
    s.val_loss.push_back(m.val_loss);
    s.val_accuracy.push_back(m.val_accuracy);
    s.seconds.push_back(m.seconds);
  }
  s.best_epoch = p.best_epoch;
  s.best_val_loss = p.best_val.loss;
  s.best_val_accuracy = p.best_val.accuracy;
  s.best_parameters = p.best_weights;
  s.stopped = p.stopped;
  s.generator_seed = gen.seed();
  s.generator_streams = gen.streams_used();
  s.options = options;
  s.dataset = dataset;
  return s;
}

TrainProgress to_progress(TrainingState<float>& s) {
  TrainProgress p;
  for (std::size_t i = 0; i < s.train_loss.size(); ++i) {
    EpochMetrics m;
    m.epoch = static_cast<int>(i) + 1;
    m.train_loss = s.train_loss[i];
    m.val_loss = s.val_loss[i];
    m.val_accuracy = s.val_accuracy[i];
    m.seconds = s.seconds[i];
    p.history.push_back(m);
  }
  p.best_epoch = static_cast<int>(s.best_epoch);
  p.best_val = {s.best_val_loss, s.best_val_accuracy};
  p.best_weights = std::move(s.best_parameters);
  p.stopped = s.stopped;
  return p;
}

double median_seconds(const std::vector<EpochMetrics>& history) {
  std::vector<double> seconds;
  for (const EpochMetrics& m : history) seconds.push_back(m.seconds);
  return median(seconds);
}

/// One seed: trains (or resumes from <out>/seed_<seed>/last.h5 with --resume) and writes the
/// seed's files. last.h5 is written every --checkpoint-every epochs, when training stops, and
/// once more (finished, with the test result) after metrics.csv, curve.svg and best.h5.
SeedResult train_seed(const TrainArgs& args, const GraphCollection& data, std::uint64_t seed,
                      int& epochs_run, Context& context) {
  const std::string dir = args.out + "/seed_" + std::to_string(seed);
  const std::string last = dir + "/last.h5";
  std::filesystem::create_directories(dir);
  if (remove_stale_temporaries(dir) > 0) {
    context.out << "removed temporary files of an interrupted run in " << dir << "\n";
  }
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
  Adam<float> optimizer(model->parameters(), adam_options(options));
  const std::string config = to_config(model_options), described = describe(options),
                    fingerprint = dataset_fingerprint(data);
  const CheckpointInfo info = CheckpointInfo().model(args.model).config(config).seed(seed);
  TrainProgress progress;
  if (args.resume && std::filesystem::exists(last)) {
    const CheckpointInfo saved = read_checkpoint_info(last);
    if (!saved.has_training_) {
      throw IoError(last + ": no training state in this checkpoint, cannot resume from it");
    }
    std::vector<std::string> differences;
    if (saved.model_ != args.model) {
      differences.push_back("model: " + saved.model_ + " in the checkpoint, " + args.model +
                            " now");
    }
    add_differences(saved.config_, config, differences);
    add_differences(saved.training_options_, described, differences);
    add_differences(saved.training_dataset_, fingerprint, differences);
    if (!differences.empty()) {
      std::string list;
      for (const std::string& d : differences) list += (list.empty() ? "" : "; ") + d;
      throw ValueError(last + ": cannot resume, the checkpoint is of another run (" + list +
                       "); use the checkpoint's settings, or drop --resume to start afresh");
    }
    TrainingState<float> state;
    load_checkpoint<float>(last, *model, &optimizer, &state);
    gen.set_state(state.generator_seed, state.generator_streams);
    const bool finished = state.finished;
    const Evaluation test{state.test_loss, state.test_accuracy};
    progress = to_progress(state);
    if (finished) {
      TrainResult result{progress.history, progress.best_epoch, progress.best_val, test};
      context.out << "seed " << seed << ": finished earlier (" << last << "), result reused\n";
      const double seconds = median_seconds(result.history);
      return {seed, std::move(result), seconds};
    }
    context.out << "seed " << seed << ": resuming after epoch " << progress.history.size() << " ("
                << last << ")\n";
  }
  auto save_last = [&](const TrainProgress& p, const Evaluation* test) {
    TrainingState<float> state = to_state(p, gen, described, fingerprint);
    state.finished = test != nullptr;
    if (test) {
      state.test_loss = test->loss;
      state.test_accuracy = test->accuracy;
    }
    save_checkpoint<float>(last, *model, &optimizer,
                           CheckpointInfo(info).epoch(static_cast<long long>(p.history.size())),
                           &state);
  };
  TrainResult result = train_classifier(
      *model, optimizer, data, split, options, progress,
      [&](const EpochMetrics& m) {
        if (args.quiet) return;
        context.out << "seed " << seed << " epoch " << std::setw(3) << m.epoch << "/" << args.epochs
                    << "  train loss " << fixed(m.train_loss, 4) << "  val loss "
                    << fixed(m.val_loss, 4) << "  val acc " << fixed(m.val_accuracy, 4) << "  "
                    << fixed(m.seconds, 3) << " s\n"
                    << std::flush;
      },
      [&](const TrainProgress& p) {
        const bool stop_here = args.stop_after > 0 && ++epochs_run >= args.stop_after && !p.stopped;
        if (p.history.size() % static_cast<std::size_t>(args.checkpoint_every) == 0 || p.stopped ||
            stop_here)
          save_last(p, nullptr);
        if (stop_here) {
          context.out << "seed " << seed << ": stopped after epoch " << p.history.size()
                      << " as asked (--stop-after " << args.stop_after
                      << "); continue with --resume\n";
          throw StopRequested{};
        }
      });
  write_text_file(dir + "/metrics.csv", metrics_csv(result.history));
  write_text_file(dir + "/curve.svg",
                  training_curve_svg(result.history, args.model + " on " + data.name + ", seed " +
                                                         std::to_string(seed)));
  save_checkpoint<float>(dir + "/best.h5", *model, nullptr,
                         CheckpointInfo(info).epoch(result.best_epoch));
  save_last(progress, &result.test);
  const double seconds = median_seconds(result.history);
  context.out << "seed " << seed << ": best epoch " << result.best_epoch << " (val loss "
              << fixed(result.best_val.loss, 4) << "), test accuracy "
              << fixed(result.test.accuracy, 4) << ", median epoch " << fixed(seconds, 3) << " s\n";
  return {seed, std::move(result), seconds};
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
  // Every argument is checked before the output folder is made: a bad one leaves no output.
  if (args.seeds.empty()) throw ValueError("--seeds: no seed given (e.g. --seeds 0,1,2)");
  try {
    random_split(data.num_graphs(), 0);  // the split sizes do not depend on the seed
  } catch (const ValueError& e) {
    throw ValueError(args.data + ": " + e.what());
  }
  {
    Generator probe(0);
    make_classifier(args.model,
                    ModelOptions(data.num_features(), data.num_classes)
                        .hidden(args.hidden)
                        .ratio(args.ratio)
                        .dropout(args.dropout),
                    probe);
  }
  std::filesystem::create_directories(args.out);
  context.out << "graphpool train: " << data.name << " (" << data.num_graphs() << " graphs, "
              << data.num_nodes() << " nodes, " << data.num_features() << " features, "
              << data.num_classes << " classes; loaded in " << fixed(load_seconds, 3)
              << " s), model " << args.model << ", " << max_threads() << " threads\n";
  std::vector<SeedResult> runs;
  if (remove_stale_temporaries(args.out) > 0) {
    context.out << "removed temporary files of an interrupted run in " << args.out << "\n";
  }
  int epochs_run = 0;  // in this invocation, for --stop-after
  try {
    for (std::uint64_t seed : args.seeds) {
      if (args.stop_after > 0 && epochs_run >= args.stop_after) {
        context.out << "stopped before seed " << seed << " as asked (--stop-after "
                    << args.stop_after << "); continue with --resume\n";
        throw StopRequested{};
      }
      runs.push_back(train_seed(args, data, seed, epochs_run, context));
    }
  } catch (const StopRequested&) {
    return;  // no summary: some seeds are not finished
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
  cmd->add_option("--hidden", args->hidden, "GCN width")->capture_default_str()->check(positive());
  cmd->add_option("--ratio", args->ratio, "fraction of nodes each pooling keeps, (0, 1]")->capture_default_str();
  cmd->add_option("--dropout", args->dropout, "dropout after the first MLP layer")->capture_default_str();
  cmd->add_option("--lr", args->lr, "Adam learning rate")->capture_default_str()->check(positive());
  cmd->add_option("--weight-decay", args->weight_decay, "Adam L2 weight decay")->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "graphs per mini-batch")->capture_default_str()->check(positive());
  cmd->add_option("--epochs", args->epochs, "maximum epochs")->capture_default_str()->check(positive());
  cmd->add_option("--patience", args->patience, "early-stopping patience (epochs)")->capture_default_str()->check(positive());
  cmd->add_option("--seeds", args->seeds, "comma-separated seeds, e.g. 0,1,2")
      ->delimiter(',')
      ->capture_default_str()
      ->check(CLI::Validator(  // CLI11 would otherwise run seed 0 for --seeds ""
          [](std::string& s) {
            return s.empty() ? std::string("empty seed (e.g. --seeds 0,1,2)") : std::string();
          },
          "SEED"));
  cmd->add_option("--threads", args->threads, "TBB threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 16));  // NonNegativeNumber prints the largest double
  cmd->add_option("--out", args->out, "output folder")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "no per-epoch progress lines");
  cmd->add_option("--checkpoint-every", args->checkpoint_every,
                  "write the resumable <out>/seed_<k>/last.h5 every this many epochs")
      ->capture_default_str()
      ->check(positive());
  cmd->add_option("--stop-after", args->stop_after,
                  "end after this many epochs (over all seeds) of this invocation, leaving "
                  "last.h5 to continue from with --resume (0: run to the end)")
      ->capture_default_str()
      ->check(non_negative());
  cmd->add_flag("--resume", args->resume,
                "continue each seed from its last.h5 (finished seeds are reused, seeds without "
                "one start afresh); refuses a checkpoint of other settings or data");
  cmd->callback([args, &context] { run_train(*args, context); });
}

}  // namespace graphpool::cli
