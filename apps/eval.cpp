// `graphpool eval`: scores a checkpoint written by `graphpool train` on a dataset (all graphs, or
// the test part of the checkpoint seed's split).
#include <CLI/CLI.hpp>

#include <iomanip>
#include <memory>

#include "apps/commands.hpp"
#include "apps/dataset_source.hpp"
#include "apps/option_checks.hpp"
#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "io/checkpoint.hpp"
#include "models/model_config.hpp"
#include "models/trainer.hpp"

namespace graphpool::cli {

namespace {

struct EvalArgs {
  std::string checkpoint;
  std::string data;
  std::string name;
  std::string graphs = "all";
  Index batch_size = 128;
  int threads = 0;
};

void run_eval(const EvalArgs& args, Context& context) {
  std::unique_ptr<ThreadLimit> limit;
  if (args.threads > 0) limit = std::make_unique<ThreadLimit>(args.threads);
  const GraphCollection data = load_graphs(args.data, args.name);
  // The checkpoint names its model and options; rebuild it, then load the weights (names and
  // shapes are checked against the file).
  Generator gen(0);
  std::unique_ptr<GraphClassifier<float>> model;
  {
    CheckpointInfo info = read_checkpoint_info(args.checkpoint);
    if (info.config_.empty()) throw IoError(args.checkpoint + ": attribute config missing (not written by graphpool train)");
    const ModelOptions options = from_config(info.config_);
    if (options.in_features_ != data.num_features()) {
      throw ShapeError(args.checkpoint + ": the model takes " + std::to_string(options.in_features_) +
                       " node features but " + args.data + " has " + std::to_string(data.num_features()));
    }
    model = make_classifier(info.model_, options, gen);
    load_checkpoint<float>(args.checkpoint, *model);
    std::vector<Index> ids;
    if (args.graphs == "all") {
      for (Index g = 0; g < data.num_graphs(); ++g) ids.push_back(g);
    } else {
      const Split split = random_split(data.num_graphs(), info.seed_);
      ids = args.graphs == "test" ? split.test : args.graphs == "val" ? split.val : split.train;
    }
    const Evaluation e = evaluate(*model, data, ids, args.batch_size);
    context.out << std::fixed << std::setprecision(4) << "graphpool eval: " << info.model_ << " ("
                << args.checkpoint << ", epoch " << info.epoch_ << ", seed " << info.seed_ << ") on "
                << data.name << " " << args.graphs << " (" << ids.size() << " graphs): loss "
                << e.loss << ", accuracy " << e.accuracy << "\n";
  }
}

}  // namespace

void register_eval(CLI::App& app, Context& context) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Score a checkpoint of graphpool train on a dataset");
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint file (best.h5)")->required();
  cmd->add_option("--data", args->data, "HDF5 dataset file or TU text folder")->required();
  cmd->add_option("--name", args->name, "TU dataset name (default: the folder's name)");
  cmd->add_option("--graphs", args->graphs, "all, or train/val/test of the checkpoint seed's split")
      ->check(CLI::IsMember({"all", "train", "val", "test"}))
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "graphs per batch")->capture_default_str()->check(positive());
  cmd->add_option("--threads", args->threads, "TBB threads (0: all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 16));  // NonNegativeNumber prints the largest double
  cmd->callback([args, &context] { run_eval(*args, context); });
}

}  // namespace graphpool::cli
