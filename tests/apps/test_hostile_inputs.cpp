// The hostile-input table (issue 9): bad inputs to the CLI (`graphpool convert | train | eval`,
// run as a child process with a timeout) and to the library (io, graph, layers), each with the
// outcome it must get: an exception type and message parts, or an exit code and stderr parts, or
// for the cases the library accepts on purpose (k > n, NaN propagation), what it returns. No case
// may crash, hang or leave a partial output or temporary file.
//
// docs/hostile-inputs.md is generated from the real outcomes:
//   GRAPHPOOL_PRINT_HOSTILE_TABLE=docs/hostile-inputs.md graphpool_test_apps
//   --gtest_filter='Hostile*'
// writes the table there (a value of 1 prints the rows to stdout instead).
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "core/errors.hpp"
#include "core/tape.hpp"
#include "graph/coarsen.hpp"
#include "graph/graph.hpp"
#include "graph/graph_batch.hpp"
#include "io/checkpoint.hpp"
#include "io/dataset.hpp"
#include "io/tu_reader.hpp"
#include "layers/avg_pool2d.hpp"
#include "layers/gcn.hpp"
#include "layers/max_pool2d.hpp"
#include "layers/readout.hpp"
#include "layers/roi_pool.hpp"
#include "layers/select.hpp"
#include "layers/topk_pool.hpp"
#include "models/model_config.hpp"
#include "models/model_factory.hpp"
#include "tests/io/tu_fixture.hpp"
#include "tests/support/child_process.hpp"

namespace graphpool {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using Files = std::map<std::string, std::string>;

constexpr double kCliTimeoutSeconds = 120;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// What a case got: "IoError" / "ShapeError" / ... / "exit 1" / "returns"; the message (what(), or
/// the CLI's stderr) or, for "returns", a description of the result.
struct Outcome {
  std::string kind;
  std::string message;
};

struct HostileCase {
  std::string name;   ///< gtest parameter name
  std::string area;   ///< "convert", "train", "eval", "io", "graph", "layers"
  std::string input;  ///< the bad input, for the table
  std::string expect_kind;
  std::vector<std::string> expect_message;  ///< parts the message must contain
  std::function<Outcome(const ScratchDir&)> run;
  std::vector<std::string> absent;  ///< scratch-relative paths that must not exist afterwards
};

// --- helpers -------------------------------------------------------------------------------------

template <class F>
Outcome outcome_of(F&& f) {
  try {
    return f();
  } catch (const IoError& e) {
    return {"IoError", e.what()};
  } catch (const ShapeError& e) {
    return {"ShapeError", e.what()};
  } catch (const IndexError& e) {
    return {"IndexError", e.what()};
  } catch (const ValueError& e) {
    return {"ValueError", e.what()};
  } catch (const Error& e) {
    return {"graphpool::Error", e.what()};
  } catch (const std::exception& e) {
    return {std::string("std::exception (not a graphpool error)"), e.what()};
  }
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Runs the built tool (a child process with a timeout); outcome "exit <code>" and its stderr.
Outcome cli(std::vector<std::string> args) {
#ifdef GRAPHPOOL_CLI_PATH
  args.insert(args.begin(), GRAPHPOOL_CLI_PATH);
  const testing::ChildResult r = testing::run_child(args, kCliTimeoutSeconds);
  return {r.status(), trim(r.err)};
#else
  args.insert(args.begin(), "graphpool");
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {"exit " + std::to_string(code), trim(err.str())};
#endif
}

std::string num(double v) {
  if (std::isnan(v)) return "nan";  // not "-nan": the sign of a NaN is no part of the contract
  std::ostringstream s;
  s << v;
  return s.str();
}

template <class T>
std::string values(const Tensor<T>& t) {
  std::string s = "[";
  for (Index i = 0; i < t.numel(); ++i) s += (i ? ", " : "") + num(double(t[i]));
  return s + "]";
}

/// The tiny TU dataset (3 graphs) with `corrupt` applied, written to <dir>/TINY.
std::string tiny_tu(const ScratchDir& dir, const std::function<void(Files&)>& corrupt = {}) {
  Files files = testing::tiny_tu_files();
  if (corrupt) corrupt(files);
  testing::write_tu(dir.str("TINY"), "TINY", files);
  return dir.str("TINY");
}

std::vector<std::string> convert_args(const ScratchDir& dir) {
  return {"convert", "--tu-dir", dir.str("TINY"), "--out", dir.str("out.h5")};
}

/// A valid dataset of `graphs` path graphs (3 + g % 3 nodes, 2 features), labels g % classes.
GraphCollection small_collection(Index graphs, Index classes) {
  GraphCollection c;
  c.name = "SMALL";
  c.source = "test_hostile_inputs";
  c.num_classes = classes;
  std::vector<float> x;
  for (Index g = 0; g < graphs; ++g) {
    const Index n = 3 + g % 3;
    for (Index i = 0; i + 1 < n; ++i) {
      c.sources.insert(c.sources.end(), {i, i + 1});
      c.targets.insert(c.targets.end(), {i + 1, i});
    }
    for (Index i = 0; i < n; ++i) x.insert(x.end(), {float(g % classes), float(i)});
    c.node_ptr.push_back(c.node_ptr.back() + n);
    c.edge_ptr.push_back(Index(c.sources.size()));
    c.y.push_back(g % classes);
  }
  for (Index k = 0; k < classes; ++k) c.label_values.push_back(k);
  c.x = Tensor<float>(Shape{c.node_ptr.back(), 2}, x);
  return c;
}

std::string small_h5(const ScratchDir& dir, Index graphs = 20, Index classes = 2) {
  const std::string path = dir.str("small.h5");
  write_dataset(path, small_collection(graphs, classes));
  return path;
}

/// small_h5 with x[3, 1] = NaN.
std::string small_h5_with_nan(const ScratchDir& dir) {
  const std::string path = dir.str("small.h5");
  GraphCollection c = small_collection(20, 2);
  c.x(3, 1) = std::numeric_limits<float>::quiet_NaN();
  write_dataset(path, c);
  return path;
}

/// A checkpoint of `saved` (with ModelOptions `options`) that claims to be model `claimed`.
std::string checkpoint_of(const ScratchDir& dir, const std::string& saved,
                          const std::string& claimed, const ModelOptions& options) {
  Generator gen(0);
  auto model = make_classifier(saved, options, gen);
  const std::string path = dir.str("ckpt.h5");
  save_checkpoint<float>(path, *model, nullptr,
                         CheckpointInfo().model(claimed).config(to_config(options)).epoch(1));
  return path;
}

void overwrite_ints(const std::string& path, const char* dataset, std::vector<long long> v) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, dataset, H5P_DEFAULT);
  H5Dwrite(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(d);
  H5Fclose(f);
}

void replace_dataset(const std::string& path, const char* dataset, hid_t type, hsize_t rows,
                     hsize_t cols) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, dataset, H5P_DEFAULT);
  const hsize_t dims[2] = {rows, cols};
  const hid_t s = H5Screate_simple(cols ? 2 : 1, dims, nullptr);
  const hid_t d = H5Dcreate2(f, dataset, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dclose(d);
  H5Sclose(s);
  H5Fclose(f);
}

Outcome load_h5(const std::string& path) {
  return outcome_of([&] {
    const DatasetFile f(path);
    const DatasetBatch b = f.load();
    return Outcome{"returns", std::to_string(b.num_graphs()) + " graphs"};
  });
}

/// Two graphs (3 and 2 nodes, paths) as a batch.
GraphBatch two_graphs() {
  const std::vector<Index> s0{0, 1, 1, 2}, t0{1, 0, 2, 1}, s1{0, 1}, t1{1, 0};
  const std::vector<Graph> gs{Graph::from_edges(3, s0, t0), Graph::from_edges(2, s1, t1)};
  return GraphBatch::collate(gs);
}

Outcome select_outcome(std::vector<double> score, const SelectOptions& options) {
  return outcome_of([&] {
    const GraphBatch b = two_graphs();
    const SelectOutput<double> sel = select_top_k<double>(score, b.node_ptr(), options);
    std::string kept;
    for (Index i = 0; i < sel.size(); ++i) kept += (i ? ", " : "") + std::to_string(sel.kept()[i]);
    return Outcome{"returns", "kept nodes [" + kept + "]"};
  });
}

template <class Op>
Outcome pool2d_outcome(Shape shape, std::vector<double> x, Op op) {
  return outcome_of([&] {
    Tape<double> tape;
    const Var<double> in = tape.leaf(Tensor<double>(shape, x));
    const Var<double> out = op(in);
    return Outcome{"returns", "out " + values(out.value())};
  });
}

// --- the table -----------------------------------------------------------------------------------

std::vector<HostileCase> hostile_cases() {
  std::vector<HostileCase> c;
  const std::vector<std::string> no_out{"out.h5"};

  // convert (CLI): TU text files -------------------------------------------------------------
  c.push_back({"ConvertMissingTuDir",
               "convert",
               "--tu-dir names a folder that does not exist",
               "exit 105",
               {"--tu-dir", "Directory does not exist"},
               [](const ScratchDir& d) {
                 return cli({"convert", "--tu-dir", d.str("nowhere"), "--out", d.str("out.h5")});
               },
               no_out});
  c.push_back({"ConvertMissingAFile",
               "convert",
               "TINY_A.txt missing",
               "exit 1",
               {"TINY_A.txt", "missing"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f.erase("A"); });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertGraphLabelsMissing",
               "convert",
               "TINY_graph_labels.txt missing",
               "exit 1",
               {"TINY_graph_labels.txt", "missing"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f.erase("graph_labels"); });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertNodeIdAboveN",
               "convert",
               "TINY_A.txt line `9, 10` (9 nodes)",
               "exit 1",
               {"TINY_A.txt line 15", "node id 10 > 9 nodes"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["A"] += "9, 10\n"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertNegativeNodeId",
               "convert",
               "TINY_A.txt line `-1, 2`",
               "exit 1",
               {"TINY_A.txt line 1", "-1"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["A"] = "-1, 2\n" + f["A"]; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertNonNumericToken",
               "convert",
               "TINY_A.txt line `1, two`",
               "exit 1",
               {"TINY_A.txt line 1", "'two' is not an integer"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["A"] = "1, two\n" + f["A"]; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertIndicatorNotSorted",
               "convert",
               "TINY_graph_indicator.txt goes 3 -> 2 at line 8",
               "exit 1",
               {"TINY_graph_indicator.txt line 8", "nondecreasing"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["graph_indicator"] = "1\n1\n1\n2\n2\n3\n3\n2\n3\n"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertTooFewGraphLabels",
               "convert",
               "2 graph labels for 3 graphs",
               "exit 1",
               {"TINY_graph_labels.txt line 3", "has 3 graphs"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["graph_labels"] = "1\n-1\n"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertTooManyNodeLabels",
               "convert",
               "10 node labels for 9 nodes",
               "exit 1",
               {"TINY_node_labels.txt line 10", "extra line"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["node_labels"] += "1\n"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertEmptyDataset",
               "convert",
               "every TINY_*.txt file empty (0 graphs)",
               "exit 1",
               {"TINY_", "empty file"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) {
                   for (auto& [suffix, text] : f) text.clear();
                 });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertEdgeBetweenGraphs",
               "convert",
               "TINY_A.txt line `3, 4` (graph 1 to graph 2)",
               "exit 1",
               {"TINY_A.txt line 15", "joins graph 1 and graph 2"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["A"] += "3, 4\n"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertTruncatedLine",
               "convert",
               "TINY_A.txt ends in `9,` (file cut mid-line)",
               "exit 1",
               {"TINY_A.txt line 15", "field 2 is missing"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) { f["A"] += "9,"; });
                 return cli(convert_args(d));
               },
               no_out});
  c.push_back({"ConvertNanAttribute",
               "convert",
               "`nan` in TINY_node_attributes.txt, --node-features attributes",
               "exit 1",
               {"TINY_node_attributes.txt line 3", "'nan' is not a finite"},
               [](const ScratchDir& d) {
                 tiny_tu(d, [](Files& f) {
                   f["node_attributes"] =
                       "0.5, 1\n1.5, 2\n2.5, nan\n3.5, 4\n4.5, 5\n5.5, 6\n6.5, 7\n7.5, 8\n8.5, 9\n";
                 });
                 auto args = convert_args(d);
                 args.insert(args.end(), {"--node-features", "attributes"});
                 return cli(args);
               },
               no_out});
  c.push_back({"ConvertOutputDirNotWritable",
               "convert",
               "--out inside a path whose parent is a regular file",
               "exit 1",
               {"file/out.h5"},
               [](const ScratchDir& d) {
                 tiny_tu(d);
                 std::ofstream(d.str("file")) << "x";
                 return cli({"convert", "--tu-dir", d.str("TINY"), "--out", d.str("file/out.h5")});
               },
               {}});
  c.push_back({"ConvertFailureKeepsOldOutput",
               "convert",
               "--out names an existing dataset; the input is malformed",
               "exit 1",
               {"TINY_A.txt line 15"},
               [](const ScratchDir& d) {
                 tiny_tu(d);
                 const Outcome first = cli(convert_args(d));
                 if (first.kind != "exit 0") return Outcome{"first convert failed", first.message};
                 const auto before = fs::file_size(d.str("out.h5"));
                 tiny_tu(d, [](Files& f) { f["A"] += "9, 10\n"; });
                 Outcome o = cli(convert_args(d));
                 // The previous output must be there, whole and readable.
                 const Outcome reread = load_h5(d.str("out.h5"));
                 if (fs::file_size(d.str("out.h5")) != before || reread.kind != "returns")
                   o.kind += " but the old output changed: " + reread.message;
                 return o;
               },
               {}});

  // io: HDF5 datasets --------------------------------------------------------------------------
  c.push_back({"DatasetNotHdf5",
               "io",
               "read a text file as a dataset",
               "IoError",
               {"notes.txt", "cannot open as HDF5"},
               [](const ScratchDir& d) {
                 std::ofstream(d.str("notes.txt")) << "hello, graphs\n";
                 return load_h5(d.str("notes.txt"));
               },
               {}});
  c.push_back({"DatasetEmptyFile",
               "io",
               "a 0-byte .h5 file",
               "IoError",
               {"empty.h5", "cannot open as HDF5"},
               [](const ScratchDir& d) {
                 std::ofstream(d.str("empty.h5")).flush();
                 return load_h5(d.str("empty.h5"));
               },
               {}});
  c.push_back({"DatasetTruncated",
               "io",
               "a dataset cut to half its size",
               "IoError",
               {"small.h5"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 fs::resize_file(p, fs::file_size(p) / 2);
                 return load_h5(p);
               },
               {}});
  c.push_back({"DatasetCorruptedBytes",
               "io",
               "256 bytes of a dataset overwritten with 0xFF",
               "IoError",
               {"small.h5"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
                 f.seekp(std::streamoff(fs::file_size(p) / 2));
                 f << std::string(256, '\xff');
                 f.close();
                 return load_h5(p);
               },
               {}});
  c.push_back({"DatasetNodePtrInconsistent",
               "io",
               "node_ptr decreasing (0, 3, 2, ...) in a 20-graph file",
               "IoError",
               {"small.h5", "dataset node_ptr", "index 2", "nondecreasing"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 const GraphCollection c = small_collection(20, 2);
                 std::vector<long long> ptr(c.node_ptr.begin(), c.node_ptr.end());
                 ptr[2] = 2;
                 overwrite_ints(p, "node_ptr", ptr);
                 return load_h5(p);
               },
               {}});
  c.push_back({"DatasetEdgeIndexOutOfRange",
               "io",
               "edge_index holds node id 99 in a 3-node graph",
               "IoError",
               {"small.h5", "dataset edge_index", "node id 99"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 const GraphCollection c = small_collection(20, 2);
                 std::vector<long long> ei(c.sources.begin(), c.sources.end());
                 ei.insert(ei.end(), c.targets.begin(), c.targets.end());
                 ei[1] = 99;
                 overwrite_ints(p, "edge_index", ei);
                 return load_h5(p);
               },
               {}});
  c.push_back({"DatasetWrongDtype",
               "io",
               "x stored as float64 instead of float32",
               "IoError",
               {"small.h5", "dataset x", "expected dtype float32, got float64"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 replace_dataset(p, "x", H5T_IEEE_F64LE,
                                 hsize_t(small_collection(20, 2).num_nodes()), 2);
                 return load_h5(p);
               },
               {}});
  c.push_back({"DatasetGraphIdOutOfRange",
               "io",
               "DatasetFile::load({3, 20}) on a 20-graph file",
               "IndexError",
               {"20"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 return outcome_of([&] {
                   const DatasetFile f(p);
                   const std::vector<Index> ids{3, 20};
                   f.load(ids);
                   return Outcome{"returns", "a batch"};
                 });
               },
               {}});
  c.push_back({"BatchReaderZeroBatchSize",
               "io",
               "BatchReader with batch_size 0",
               "ValueError",
               {"batch_size", "0"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 return outcome_of([&] {
                   const DatasetFile f(p);
                   BatchReader reader(f, 0);
                   DatasetBatch b;
                   reader.next(b);
                   return Outcome{"returns", std::to_string(b.num_graphs()) + " graphs"};
                 });
               },
               {}});
  c.push_back({"DatasetEmptyRoundTrip",
               "io",
               "write_dataset then DatasetFile::load of a collection with 0 graphs",
               "returns",
               {"0 graphs"},
               [](const ScratchDir& d) {
                 write_dataset(d.str("empty.h5"), small_collection(0, 2));
                 return load_h5(d.str("empty.h5"));
               },
               {}});
  c.push_back({"DatasetNaNFeaturesLoaded",
               "io",
               "read_dataset of a file whose x[3, 1] is NaN (the library loads data as stored)",
               "returns",
               {"x[3, 1] = nan"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5_with_nan(d);
                 return outcome_of([&] {
                   const GraphCollection c = read_dataset(p);
                   return Outcome{"returns", "x[3, 1] = " + num(c.x(3, 1))};
                 });
               },
               {}});
  // io: checkpoints -------------------------------------------------------------------------------
  c.push_back({"CheckpointOfAnotherModel",
               "io",
               "load_checkpoint of a sagpool_h checkpoint into a topk_h model",
               "IoError",
               {"ckpt.h5", "parameter 'pools.0.score_gcn.bias'", "not in the model"},
               [](const ScratchDir& d) {
                 const ModelOptions o = ModelOptions(2, 2).hidden(8);
                 const std::string p = checkpoint_of(d, "sagpool_h", "sagpool_h", o);
                 return outcome_of([&] {
                   Generator gen(1);
                   auto other = make_classifier("topk_h", o, gen);
                   load_checkpoint<float>(p, *other);
                   return Outcome{"returns", "loaded"};
                 });
               },
               {}});
  c.push_back({"CheckpointIsADataset",
               "io",
               "read_checkpoint_info of a dataset file",
               "IoError",
               {"small.h5", "not a graphpool checkpoint"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 return outcome_of([&] {
                   read_checkpoint_info(p);
                   return Outcome{"returns", "info"};
                 });
               },
               {}});
  c.push_back({"CheckpointTruncated",
               "io",
               "a checkpoint cut to half its size",
               "IoError",
               {"ckpt.h5"},
               [](const ScratchDir& d) {
                 const ModelOptions o = ModelOptions(2, 2).hidden(8);
                 const std::string p = checkpoint_of(d, "sagpool_h", "sagpool_h", o);
                 fs::resize_file(p, fs::file_size(p) / 2);
                 return outcome_of([&] {
                   Generator gen(1);
                   auto model = make_classifier("sagpool_h", o, gen);
                   load_checkpoint<float>(p, *model);
                   return Outcome{"returns", "loaded"};
                 });
               },
               {}});

  // train (CLI) ---------------------------------------------------------------------------------
  const std::vector<std::string> no_run{"run"};
  c.push_back({"TrainOneClass",
               "train",
               "a 20-graph dataset whose labels are all one class",
               "exit 1",
               {"small.h5", "at least 2 classes", "has 1"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d, 20, 1), "--out", d.str("run"),
                             "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainEmptyDataset",
               "train",
               "a dataset file with 0 graphs (2 classes declared)",
               "exit 1",
               {"small.h5", "need at least 3 graphs", "got 0"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d, 0, 2), "--out", d.str("run"),
                             "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainNaNFeatures",
               "train",
               "a dataset file whose x[3, 1] is NaN",
               "exit 1",
               {"small.h5", "dataset x: node 3, feature 1 is NaN"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5_with_nan(d), "--out", d.str("run"),
                             "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainMissingData",
               "train",
               "--data names a file that does not exist",
               "exit 1",
               {"nothing.h5", "no such file or folder"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", d.str("nothing.h5"), "--out", d.str("run")});
               },
               no_run});
  c.push_back({"TrainDataNotHdf5",
               "train",
               "--data names a text file",
               "exit 1",
               {"notes.txt", "cannot open as HDF5"},
               [](const ScratchDir& d) {
                 std::ofstream(d.str("notes.txt")) << "1, 2\n";
                 return cli({"train", "--data", d.str("notes.txt"), "--out", d.str("run")});
               },
               no_run});
  c.push_back({"TrainTooFewGraphs",
               "train",
               "a dataset of 5 graphs (the 80/10/10 split leaves no test graph)",
               "exit 1",
               {"small.h5", "5 graphs leave the test set empty"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d, 5, 2), "--out", d.str("run"),
                             "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainRatioOutOfRange",
               "train",
               "--ratio 1.5",
               "exit 1",
               {"ratio must be in (0, 1], got 1.5"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--ratio",
                             "1.5", "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainUnknownModel",
               "train",
               "--model gcn_x",
               "exit 1",
               {"unknown model 'gcn_x'", "sagpool_h"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--model",
                             "gcn_x", "--epochs", "1", "--quiet"});
               },
               no_run});
  c.push_back({"TrainSeedsEmpty",
               "train",
               "--seeds \"\"",
               "exit 105",
               {"--seeds: empty seed"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--seeds", "",
                             "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainThreadsNegative",
               "train",
               "--threads -1",
               "exit 105",
               {"--threads", "Value -1 not in range 0 to 65536"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--threads",
                             "-1", "--epochs", "1", "--quiet"});
               },
               no_run});
  c.push_back({"TrainBatchSizeZero",
               "train",
               "--batch-size 0",
               "exit 105",
               {"--batch-size: must be > 0, got '0'"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--batch-size",
                             "0", "--epochs", "1", "--quiet"});
               },
               no_run});
  c.push_back({"TrainDropoutOutOfRange",
               "train",
               "--dropout 1.5",
               "exit 1",
               {"Dropout: p must be in [0, 1), got 1.5"},
               [](const ScratchDir& d) {
                 return cli({"train", "--data", small_h5(d), "--out", d.str("run"), "--dropout",
                             "1.5", "--epochs", "1", "--hidden", "8", "--quiet"});
               },
               no_run});
  c.push_back({"TrainOutputNotWritable",
               "train",
               "--out below a regular file",
               "exit 1",
               {"file/run", "Not a directory"},
               [](const ScratchDir& d) {
                 std::ofstream(d.str("file")) << "x";
                 return cli({"train", "--data", small_h5(d), "--out", d.str("file/run"), "--epochs",
                             "1", "--hidden", "8", "--quiet"});
               },
               {}});

  // eval (CLI) ----------------------------------------------------------------------------------
  c.push_back({"EvalCheckpointOfAnotherModel",
               "eval",
               "a sagpool_h checkpoint whose metadata says topk_h",
               "exit 1",
               {"ckpt.h5", "parameter 'pools.0.score_gcn.bias'", "not in the model"},
               [](const ScratchDir& d) {
                 const std::string p =
                     checkpoint_of(d, "sagpool_h", "topk_h", ModelOptions(2, 2).hidden(8));
                 return cli({"eval", "--checkpoint", p, "--data", small_h5(d)});
               },
               {}});
  c.push_back({"EvalCheckpointOtherFeatures",
               "eval",
               "a checkpoint for 7 node features on a 2-feature dataset",
               "exit 1",
               {"ckpt.h5", "7 node features", "small.h5 has 2"},
               [](const ScratchDir& d) {
                 const std::string p =
                     checkpoint_of(d, "sagpool_h", "sagpool_h", ModelOptions(7, 2).hidden(8));
                 return cli({"eval", "--checkpoint", p, "--data", small_h5(d)});
               },
               {}});
  c.push_back({"EvalCheckpointIsADataset",
               "eval",
               "--checkpoint names a dataset file",
               "exit 1",
               {"small.h5", "not a graphpool checkpoint"},
               [](const ScratchDir& d) {
                 const std::string p = small_h5(d);
                 return cli({"eval", "--checkpoint", p, "--data", p});
               },
               {}});
  c.push_back(
      {"EvalTestSplitEmpty",
       "eval",
       "--graphs test on a 5-graph dataset",
       "exit 1",
       {"5 graphs leave the test set empty"},
       [](const ScratchDir& d) {
         const std::string p =
             checkpoint_of(d, "sagpool_h", "sagpool_h", ModelOptions(2, 2).hidden(8));
         return cli({"eval", "--checkpoint", p, "--data", small_h5(d, 5, 2), "--graphs", "test"});
       },
       {}});
  c.push_back({"EvalMissingCheckpoint",
               "eval",
               "--checkpoint names a missing file",
               "exit 1",
               {"none.h5"},
               [](const ScratchDir& d) {
                 return cli({"eval", "--checkpoint", d.str("none.h5"), "--data", small_h5(d)});
               },
               {}});

  // graph -----------------------------------------------------------------------------------------
  c.push_back({"GraphEdgeOutOfRange",
               "graph",
               "Graph::from_edges(3, {0, 5}, {1, 0})",
               "IndexError",
               {"edge 1", "source 5", "3 nodes"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{0, 5}, t{1, 0};
                   Graph::from_edges(3, s, t);
                   return Outcome{"returns", "a graph"};
                 });
               },
               {}});
  c.push_back({"GraphCsrNotMonotone",
               "graph",
               "Graph::from_csr({0, 2, 1, 3}, {1, 2, 0})",
               "ValueError",
               {"edge_ptr"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   Graph::from_csr({0, 2, 1, 3}, {1, 2, 0});
                   return Outcome{"returns", "a graph"};
                 });
               },
               {}});
  c.push_back({"BatchEdgeJoinsGraphs",
               "graph",
               "GraphBatch(graph with edge 2 -> 3, node_ptr {0, 3, 5})",
               "ValueError",
               {"graph 0", "graph 1"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{2}, t{3};
                   GraphBatch(Graph::from_edges(5, s, t), {0, 3, 5});
                   return Outcome{"returns", "a batch"};
                 });
               },
               {}});
  c.push_back({"BatchZeroGraphs",
               "graph",
               "GraphBatch::collate({}) then global_mean_pool",
               "returns",
               {"0 graphs", "[0, 4]"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const GraphBatch b = GraphBatch::collate(std::span<const Graph>());
                   Tape<double> tape;
                   const Var<double> x = tape.leaf(Tensor<double>(Shape{0, 4}));
                   const Var<double> h = global_mean_pool(x, b.node_ptr());
                   return Outcome{"returns", std::to_string(b.num_graphs()) +
                                                 " graphs; readout shape " + h.shape().str()};
                 });
               },
               {}});
  c.push_back({"SubgraphKeptOutOfRange",
               "graph",
               "induced_subgraph(3-node graph, kept {0, 7})",
               "IndexError",
               {"7"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{0, 1}, t{1, 2}, kept{0, 7};
                   induced_subgraph(Graph::from_edges(3, s, t), kept);
                   return Outcome{"returns", "a subgraph"};
                 });
               },
               {}});
  c.push_back({"SubgraphKeptTwice",
               "graph",
               "induced_subgraph(3-node graph, kept {1, 1})",
               "IndexError",
               {"1", "twice"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{0, 1}, t{1, 2}, kept{1, 1};
                   induced_subgraph(Graph::from_edges(3, s, t), kept);
                   return Outcome{"returns", "a subgraph"};
                 });
               },
               {}});
  c.push_back({"ContractClusterOutOfRange",
               "graph",
               "contract_clusters(3 nodes, cluster {0, 1, 2}, num_clusters 2)",
               "IndexError",
               {"2"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{0, 1}, t{1, 2}, cluster{0, 1, 2};
                   contract_clusters(Graph::from_edges(3, s, t), cluster, 2);
                   return Outcome{"returns", "a contraction"};
                 });
               },
               {}});
  c.push_back({"ContractClusterWrongSize",
               "graph",
               "contract_clusters(3 nodes, cluster of size 2)",
               "ShapeError",
               {"3", "2"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> s{0, 1}, t{1, 2}, cluster{0, 1};
                   contract_clusters(Graph::from_edges(3, s, t), cluster, 2);
                   return Outcome{"returns", "a contraction"};
                 });
               },
               {}});

  // layers: select / top-k / SAGPool ------------------------------------------------------------
  const std::vector<double> scores{0.1, 0.9, 0.5, 0.3, 0.7};
  c.push_back(
      {"TopKRatioAboveOne",
       "layers",
       "select_top_k ratio 1.5",
       "ValueError",
       {"ratio must be in (0, 1], got 1.5"},
       [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().ratio(1.5)); },
       {}});
  c.push_back({"TopKRatioZero",
               "layers",
               "select_top_k ratio 0",
               "ValueError",
               {"ratio must be in (0, 1], got 0"},
               [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().ratio(0)); },
               {}});
  c.push_back(
      {"TopKRatioNaN",
       "layers",
       "select_top_k ratio NaN",
       "ValueError",
       {"ratio must be in (0, 1], got nan"},
       [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().ratio(kNaN)); },
       {}});
  c.push_back(
      {"TopKRatioRoundsToZero",
       "layers",
       "select_top_k ratio 1e-9 on graphs of 3 and 2 nodes (PyG: ceil keeps 1 each)",
       "returns",
       {"kept nodes [1, 4]"},
       [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().ratio(1e-9)); },
       {}});
  c.push_back({"TopKKAboveN",
               "layers",
               "select_top_k k 10 on graphs of 3 and 2 nodes",
               "returns",
               {"kept nodes [1, 2, 0, 4, 3]"},
               [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().k(10)); },
               {}});
  c.push_back({"TopKKZero",
               "layers",
               "select_top_k k 0",
               "ValueError",
               {"k must be >= 1, got 0"},
               [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().k(0)); },
               {}});
  c.push_back(
      {"TopKMinScoreAboveAll",
       "layers",
       "select_top_k min_score 2 (no softmax score reaches it)",
       "returns",
       {"kept nodes [1, 4]"},
       [=](const ScratchDir&) { return select_outcome(scores, SelectOptions().min_score(2.0)); },
       {}});
  c.push_back({"TopKNaNScore",
               "layers",
               "select_top_k with score[2] = NaN",
               "ValueError",
               {"NaN", "2"},
               [=](const ScratchDir&) {
                 std::vector<double> s = scores;
                 s[2] = kNaN;
                 return select_outcome(s, SelectOptions().ratio(0.5));
               },
               {}});
  c.push_back({"TopKPoolInfFeature",
               "layers",
               "topk_pool with x[0, 0] = +inf and x[0, 1] = -inf (score inf - inf = NaN)",
               "ValueError",
               {"NaN"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const GraphBatch b = two_graphs();
                   Tape<double> tape;
                   Tensor<double> x(Shape{5, 2}, 1.0);
                   x(0, 0) = kInf;
                   x(0, 1) = -kInf;
                   const Var<double> xv = tape.leaf(x);
                   const Var<double> p = tape.leaf(Tensor<double>(Shape{2}, {1.0, 1.0}));
                   const PoolOutput<double> out = topk_pool(xv, b, p, TopKPoolOptions(2));
                   return Outcome{"returns", "x " + values(out.x.value())};
                 });
               },
               {}});

  // layers: readouts and GCN ---------------------------------------------------------------------
  c.push_back(
      {"ReadoutNaNPropagates",
       "layers",
       "global_max_pool / global_sum_pool with x[1] = NaN in graph 0 (1 feature)",
       "returns",
       {"max [nan, 5]", "sum [nan, 9]"},
       [](const ScratchDir&) {
         return outcome_of([] {
           const GraphBatch b = two_graphs();
           Tape<double> tape;
           const Var<double> x = tape.leaf(Tensor<double>(Shape{5, 1}, {1.0, kNaN, 3.0, 4.0, 5.0}));
           return Outcome{"returns", "max " + values(global_max_pool(x, b.node_ptr()).value()) +
                                         ", sum " +
                                         values(global_sum_pool(x, b.node_ptr()).value())};
         });
       },
       {}});
  c.push_back({"ReadoutInfinities",
               "layers",
               "global_sum_pool / global_max_pool with +inf and -inf in graph 0",
               "returns",
               {"sum [nan, 9]", "max [inf, 5]"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const GraphBatch b = two_graphs();
                   Tape<double> tape;
                   const Var<double> x =
                       tape.leaf(Tensor<double>(Shape{5, 1}, {kInf, -kInf, 3.0, 4.0, 5.0}));
                   return Outcome{"returns",
                                  "sum " + values(global_sum_pool(x, b.node_ptr()).value()) +
                                      ", max " + values(global_max_pool(x, b.node_ptr()).value())};
                 });
               },
               {}});
  c.push_back({"ReadoutNodePtrMismatch",
               "layers",
               "global_mean_pool of x [4, 1] with node_ptr {0, 3, 5}",
               "ShapeError",
               {"5", "4"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const std::vector<Index> node_ptr{0, 3, 5};
                   Tape<double> tape;
                   const Var<double> x = tape.leaf(Tensor<double>(Shape{4, 1}, 1.0));
                   global_mean_pool(x, node_ptr);
                   return Outcome{"returns", "a readout"};
                 });
               },
               {}});
  c.push_back({"GcnWrongRows",
               "layers",
               "gcn_conv of x [4, 2] on a 5-node graph",
               "ShapeError",
               {"5", "4"},
               [](const ScratchDir&) {
                 return outcome_of([] {
                   const GcnNorm<double> norm(two_graphs().graph());
                   Tape<double> tape;
                   const Var<double> x = tape.leaf(Tensor<double>(Shape{4, 2}, 1.0));
                   const Var<double> w = tape.leaf(Tensor<double>(Shape{2, 3}, 1.0));
                   gcn_conv(x, norm, w);
                   return Outcome{"returns", "an output"};
                 });
               },
               {}});
  c.push_back(
      {"GcnNaNPropagates",
       "layers",
       "gcn_conv with x[0] = NaN on two path graphs (0-1-2, 3-4), W = 1",
       "returns",
       {"[nan, nan, 1, 1, 1]"},
       [](const ScratchDir&) {
         return outcome_of([] {
           const GcnNorm<double> norm(two_graphs().graph());
           Tape<double> tape;
           const Var<double> x = tape.leaf(Tensor<double>(Shape{5, 1}, {kNaN, 1.0, 1.0, 1.0, 1.0}));
           const Var<double> w = tape.leaf(Tensor<double>(Shape{1, 1}, 1.0));
           const Var<double> y = gcn_conv(x, norm, w);
           // Rows 1 and 2 are not 1 exactly (degrees differ); print only NaN-ness.
           std::string s = "[";
           for (Index i = 0; i < 5; ++i)
             s += (i ? ", " : "") + std::string(std::isnan(y.value()[i]) ? "nan" : "1");
           return Outcome{"returns", "NaN pattern " + s + "]"};
         });
       },
       {}});

  // layers: CNN pooling --------------------------------------------------------------------------
  const std::vector<double> plane16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  c.push_back({"MaxPool2dWrongRank",
               "layers",
               "max_pool2d of a [4, 4] tensor (needs [N, C, H, W])",
               "ShapeError",
               {"max_pool2d", "[4, 4]"},
               [=](const ScratchDir&) {
                 return pool2d_outcome(Shape{4, 4}, plane16, [](Var<double> x) {
                   return max_pool2d(x, MaxPool2dOptions(2));
                 });
               },
               {}});
  c.push_back({"MaxPool2dKernelLargerThanInput",
               "layers",
               "max_pool2d kernel 5 on a 4 x 4 input",
               "ValueError",
               {"max_pool2d", "output size"},
               [=](const ScratchDir&) {
                 return pool2d_outcome(Shape{1, 1, 4, 4}, plane16, [](Var<double> x) {
                   return max_pool2d(x, MaxPool2dOptions(5));
                 });
               },
               {}});
  c.push_back({"MaxPool2dStrideZero",
               "layers",
               "max_pool2d kernel 2, stride 0",
               "ValueError",
               {"max_pool2d", "stride", "0"},
               [=](const ScratchDir&) {
                 return pool2d_outcome(Shape{1, 1, 4, 4}, plane16, [](Var<double> x) {
                   return max_pool2d(x, MaxPool2dOptions(2).stride(0));
                 });
               },
               {}});
  c.push_back({"AvgPool2dPaddingAboveHalfKernel",
               "layers",
               "avg_pool2d kernel 2, padding 2",
               "ValueError",
               {"avg_pool2d", "padding must be at most half the kernel size"},
               [=](const ScratchDir&) {
                 return pool2d_outcome(Shape{1, 1, 4, 4}, plane16, [](Var<double> x) {
                   return avg_pool2d(x, AvgPool2dOptions(2).padding(2));
                 });
               },
               {}});
  c.push_back({"MaxPool2dNaNPropagates",
               "layers",
               "max_pool2d kernel 2 with x[0, 0, 0, 0] = NaN",
               "returns",
               {"out [nan, 8, 14, 16]"},
               [=](const ScratchDir&) {
                 std::vector<double> x = plane16;
                 x[0] = kNaN;
                 return pool2d_outcome(Shape{1, 1, 4, 4}, x, [](Var<double> v) {
                   return max_pool2d(v, MaxPool2dOptions(2));
                 });
               },
               {}});
  c.push_back({"AvgPool2dInfPropagates",
               "layers",
               "avg_pool2d kernel 2 with x[0, 0, 0, 0] = +inf",
               "returns",
               {"out [inf, 5.5, 11.5, 13.5]"},
               [=](const ScratchDir&) {
                 std::vector<double> x = plane16;
                 x[0] = kInf;
                 return pool2d_outcome(Shape{1, 1, 4, 4}, x, [](Var<double> v) {
                   return avg_pool2d(v, AvgPool2dOptions(2));
                 });
               },
               {}});
  c.push_back({"RoiBoxBatchIndexOutOfRange",
               "layers",
               "roi_max_pool2d box (batch index 3, 0, 0, 1, 1) on a batch of 1",
               "IndexError",
               {"box 0", "batch index", "[0, 1)"},
               [=](const ScratchDir&) {
                 return outcome_of([&] {
                   Tape<double> tape;
                   const Var<double> x = tape.leaf(Tensor<double>(Shape{1, 1, 4, 4}, plane16));
                   const Tensor<double> boxes(Shape{1, 5}, {3, 0, 0, 1, 1});
                   roi_max_pool2d(x, boxes, RoiPoolOptions(2));
                   return Outcome{"returns", "an output"};
                 });
               },
               {}});
  c.push_back({"RoiBoxNaNCoordinate",
               "layers",
               "roi_max_pool2d box (0, NaN, 0, 1, 1)",
               "ValueError",
               {"box 0", "NaN"},
               [=](const ScratchDir&) {
                 return outcome_of([&] {
                   Tape<double> tape;
                   const Var<double> x = tape.leaf(Tensor<double>(Shape{1, 1, 4, 4}, plane16));
                   const Tensor<double> boxes(Shape{1, 5}, {0, kNaN, 0, 1, 1});
                   roi_max_pool2d(x, boxes, RoiPoolOptions(2));
                   return Outcome{"returns", "an output"};
                 });
               },
               {}});
  return c;
}

// --- the test ------------------------------------------------------------------------------------

/// Every file below `root` whose name contains ".tmp-" (the atomic writer's temporary files).
std::vector<std::string> temp_files(const fs::path& root) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().find(".tmp-") != std::string::npos)
      found.push_back(e.path().string());
  return found;
}

/// Message as it goes into the table: the scratch path replaced by <tmp>, one line.
std::string for_table(std::string text, const ScratchDir& dir) {
#ifdef GRAPHPOOL_CLI_PATH
  const std::string tool = GRAPHPOOL_CLI_PATH;
  for (std::size_t at; (at = text.find(tool)) != std::string::npos;)
    text.replace(at, tool.size(), "graphpool");
#endif
  const std::string root = dir.str();
  for (std::size_t at; (at = text.find(root)) != std::string::npos;)
    text.replace(at, root.size(), "<tmp>/");
  for (std::size_t at; (at = text.find("<tmp>//")) != std::string::npos;) text.erase(at + 5, 1);
  for (char& ch : text)
    if (ch == '\n') ch = ' ';
  for (std::size_t at; (at = text.find('|')) != std::string::npos;) text.replace(at, 1, "\\|");
  return text;
}

/// Table rows collected while the cases run (written at the end when asked for).
std::vector<std::string>& table_rows() {
  static std::vector<std::string> rows;
  return rows;
}

void PrintTo(const HostileCase& c, std::ostream* os) {
  *os << c.name;
}

class HostileInput : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileInput, FailsCleanly) {
  const HostileCase& c = GetParam();
  ScratchDir dir;
  const Outcome got = c.run(dir);
  EXPECT_EQ(got.kind, c.expect_kind) << "message: " << got.message;
  for (const std::string& part : c.expect_message)
    EXPECT_NE(got.message.find(part), std::string::npos)
        << "message: " << got.message << "\nmissing: " << part;
  EXPECT_FALSE(got.message.empty()) << "no message";
  for (const std::string& path : c.absent)
    EXPECT_FALSE(fs::exists(dir.path / path)) << path << " exists after the failure";
  EXPECT_EQ(temp_files(dir.path), std::vector<std::string>{}) << "temporary files left behind";
  const std::string row = "| " + c.name + " | " + c.area + " | " + for_table(c.input, dir) + " | " +
                          got.kind + " | " + for_table(got.message, dir) + " |";
  table_rows().push_back(row);
}

std::vector<HostileCase> all_cases() {
  return hostile_cases();
}

INSTANTIATE_TEST_SUITE_P(Table, HostileInput, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return info.param.name;
                         });

const char* const kDocHeader = R"(# Hostile inputs

What graphpool does with inputs it did not expect: malformed and truncated files, wrong shapes,
out-of-range indices, bad options, NaN and infinities, empty and degenerate datasets, bad command
lines. Every row is a case of `tests/apps/test_hostile_inputs.cpp` (a ctest test named
`Table/HostileInput.FailsCleanly/<case>`), which asserts the outcome and the message parts, that
nothing crashed or hung (the CLI runs as a child process with a 120 s timeout), and that no output
or temporary file was left behind by a failing command.

This file is generated from the real outcomes; do not edit the table by hand:

    GRAPHPOOL_PRINT_HOSTILE_TABLE=$PWD/docs/hostile-inputs.md \
      build/tests/graphpool_test_apps --gtest_filter='Table/HostileInput.*'

(`GRAPHPOOL_PRINT_HOSTILE_TABLE=1` prints it to stdout.) Paths of the test's scratch directory
are shown as `<tmp>`, the path of the tool as `graphpool`.

## Rules

- Library: every rejected input throws a `graphpool::Error` subclass: `IoError` (a file: names
  the file and the line, dataset, index or parameter), `ShapeError` (names both shapes),
  `IndexError` (names the index and the valid range), `ValueError` (names the value and the valid
  domain). Nothing is half-done: a failed write leaves the previous file, a failed load changes
  nothing.
- CLI: exit 0 on success, 1 after an error (`graphpool: error: <message>` on stderr; any other
  C++ exception, e.g. an unwritable `--out`, is reported the same way instead of aborting), and
  CLI11's codes for usage errors (105 = a value that fails an option's check, 106 = a required
  option missing...). `convert` writes its output atomically (temporary file + rename), `train`
  checks every argument, the dataset and the split before it creates its output folder.
- Degenerate but well-defined inputs are accepted, as PyG / PyTorch do: `k` larger than a graph
  keeps the whole graph, a ratio whose `ceil(ratio * n)` would be 0 keeps one node per graph, a
  `min_score` above every score keeps each graph's best node, a batch of zero graphs gives
  `[0, F]` readouts, an empty dataset file is valid (but `train` refuses it).
- A dataset with one class: `train` refuses it (exit 1, "a classifier needs at least 2 classes"):
  a one-class classifier has nothing to learn and its accuracy would mislead.
- A dataset too small for the 80/10/10 split (fewer than 6 graphs: empty test set): refused by
  `random_split`, so `train` and `eval --graphs test` never report an accuracy over 0 graphs.

## NaN and infinities, per op

| op | NaN / inf in the input | why |
|---|---|---|
| TU reader (`read_tu`) | rejected: IoError "field 2 'nan' is not a finite float32 value" (also 1e40) | a dataset is data; NaN there is always an error |
| HDF5 reader (`read_dataset`, `DatasetFile`) | loaded as stored | a file layer, like torch.load |
| `graphpool train` / `eval` | rejected: exit 1, "dataset x: node 3, feature 1 is NaN; node features must be finite" | a model fed NaN trains on garbage or fails deep inside pooling |
| readouts (sum, mean, max, min) | propagate (NaN wins in max/min, as torch.amax); inf - inf = NaN in sum | PyG / torch_scatter propagate |
| GCN (`gcn_conv`, `gcn_propagate`) | propagate to the node and its neighbours | as PyG's GCNConv (a matmul and a scatter) |
| top-k / SAGPool select | rejected: ValueError naming the node with the NaN score | a NaN score has no rank; PyG's topk would order it arbitrarily |
| max_pool2d | propagates (NaN wins the window, as torch) | F.max_pool2d |
| avg_pool2d | propagates (inf stays inf in its windows) | F.avg_pool2d |
| roi_max_pool2d | NaN features are never picked (torchvision's rule); a NaN or infinite box coordinate is rejected: ValueError naming the box | torchvision's kernel; a NaN box has no bins |

## The table

)";

/// Writes the collected rows when GRAPHPOOL_PRINT_HOSTILE_TABLE is set (a path, or 1 for stdout).
class HostileTablePrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    const char* target = std::getenv("GRAPHPOOL_PRINT_HOSTILE_TABLE");
    if (!target || table_rows().empty()) return;
    std::ostringstream doc;
    doc << kDocHeader << "| case | area | input | outcome | message printed |\n"
        << "|---|---|---|---|---|\n";
    for (const std::string& row : table_rows()) doc << row << "\n";
    if (std::string(target) == "1") {
      std::cout << doc.str();
    } else {
      std::ofstream(target) << doc.str();
    }
  }
};
const auto* const kPrinter = ::testing::AddGlobalTestEnvironment(new HostileTablePrinter);

}  // namespace
}  // namespace graphpool
