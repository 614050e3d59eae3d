#pragma once
/// The `graphpool` command-line tool: a CLI11 app with one subcommand per file in apps/.
/// Each subcommand file defines a register_<name>(CLI::App&, Context&) that adds its subcommand
/// and a callback; run() registers them all, parses and runs the one selected.
///   int main(int argc, char** argv) { return graphpool::cli::run(argc, argv); }
///   // in a test: graphpool::cli::run({"graphpool", "convert", "--tu-dir", dir, ...}, out, err);
#include <iostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace graphpool::cli {

/// Where subcommands print (std::cout / std::cerr for the tool, string streams in tests).
struct Context {
  std::ostream& out;
  std::ostream& err;
};

/// `graphpool convert`: TU text format -> HDF5 dataset (apps/convert.cpp).
void register_convert(CLI::App& app, Context& context);
/// `graphpool train`: trains a graph classifier (apps/train.cpp).
void register_train(CLI::App& app, Context& context);
/// `graphpool eval`: scores a checkpoint on a dataset (apps/eval.cpp).
void register_eval(CLI::App& app, Context& context);

/// Parses `args` (args[0] is the program name) and runs the subcommand. Returns the exit code:
/// 0 on success, 1 after a graphpool error (printed to err), CLI11's code for usage errors.
int run(const std::vector<std::string>& args, std::ostream& out = std::cout,
        std::ostream& err = std::cerr);
int run(int argc, const char* const* argv);

}  // namespace graphpool::cli
