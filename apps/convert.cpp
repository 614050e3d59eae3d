// `graphpool convert`: a TU dataset (text format) to the HDF5 dataset format.
//   graphpool convert --tu-dir data/MUTAG --name MUTAG --out mutag.h5
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include "apps/commands.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"

namespace graphpool::cli {

namespace {

struct ConvertArgs {
  std::string tu_dir, name, out;
  std::string node_features = "labels";
  std::string edge_features = "none";
  int compression = 1;
  bool keep_self_loops = false;
  bool keep_duplicates = false;
};

void convert(const ConvertArgs& a, Context& context) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const std::string name =
      a.name.empty() ? std::filesystem::path(a.tu_dir).filename().string() : a.name;
  static const std::map<std::string, NodeFeatures> kNode{{"labels", NodeFeatures::kLabels},
                                                         {"attributes", NodeFeatures::kAttributes},
                                                         {"both", NodeFeatures::kBoth}};
  static const std::map<std::string, EdgeFeatures> kEdge{{"none", EdgeFeatures::kNone},
                                                         {"labels", EdgeFeatures::kLabels},
                                                         {"attributes", EdgeFeatures::kAttributes},
                                                         {"both", EdgeFeatures::kBoth}};
  TuOptions options;
  options.node_features(kNode.at(a.node_features))
      .edge_features(kEdge.at(a.edge_features))
      .self_loops(a.keep_self_loops ? SelfLoops::kKeep : SelfLoops::kDrop)
      .duplicates(a.keep_duplicates ? Duplicates::kKeep : Duplicates::kMerge);
  TuStats stats;
  const GraphCollection graphs = read_tu(a.tu_dir, name, options, &stats);
  const auto t1 = Clock::now();
  write_dataset(a.out, graphs, DatasetWriteOptions().compression(a.compression));
  const auto t2 = Clock::now();
  const auto sec = [](auto d) { return std::chrono::duration<double>(d).count(); };

  std::ostream& o = context.out;
  std::string labels;
  for (std::size_t c = 0; c < graphs.label_values.size(); ++c)
    labels += (c ? ", " : "") + std::to_string(graphs.label_values[c]);
  char seconds[96];
  std::snprintf(seconds, sizeof seconds, "%.3f (read %.3f, write %.3f)", sec(t2 - t0), sec(t1 - t0),
                sec(t2 - t1));
  o << "converted " << name << " (" << a.tu_dir << ") -> " << a.out << "\n"
    << "  graphs              " << graphs.num_graphs() << "\n"
    << "  nodes               " << graphs.num_nodes() << "\n"
    << "  edges               " << graphs.num_edges() << " (" << stats.raw_edges << " lines in "
    << name << "_A.txt)\n"
    << "  node features       " << graphs.num_features() << " (" << a.node_features << ")\n"
    << "  edge features       " << (graphs.edge_attr ? graphs.edge_attr->dim(1) : 0) << " ("
    << a.edge_features << ")\n"
    << "  classes             " << graphs.num_classes << " (labels " << labels << ")\n"
    << "  self loops dropped  " << stats.self_loops_dropped << "\n"
    << "  duplicates merged   " << stats.duplicates_merged << "\n"
    << "  seconds             " << seconds << "\n";
}

}  // namespace

void register_convert(CLI::App& app, Context& context) {
  auto args = std::make_shared<ConvertArgs>();
  CLI::App* cmd = app.add_subcommand(
      "convert", "Convert a TU dataset (text format) to a graphpool HDF5 dataset");
  cmd->add_option("--tu-dir", args->tu_dir,
                  "Directory holding NAME_A.txt, NAME_graph_indicator.txt, ...")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--name", args->name,
                  "Dataset name, the NAME of the files (default: the directory name)");
  cmd->add_option("--out", args->out, "Output HDF5 file (written atomically)")->required();
  cmd->add_option("--node-features", args->node_features,
                  "x from one-hot node labels (PyG's default), node attributes, or both")
      ->check(CLI::IsMember({"labels", "attributes", "both"}))
      ->capture_default_str();
  cmd->add_option(
         "--edge-features", args->edge_features,
         "edge_attr from edge labels (one-hot), edge attributes, both, or none (PyG's default)")
      ->check(CLI::IsMember({"none", "labels", "attributes", "both"}))
      ->capture_default_str();
  cmd->add_option("--compression", args->compression, "gzip level 0..9")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag("--keep-self-loops", args->keep_self_loops, "Keep edges u -> u (PyG drops them)");
  cmd->add_flag("--keep-duplicates", args->keep_duplicates,
                "Keep repeated edges (PyG merges them)");
  cmd->callback([args, &context] { convert(*args, context); });
}

}  // namespace graphpool::cli
