#include <CLI/CLI.hpp>

#include "apps/commands.hpp"
#include "core/errors.hpp"

namespace graphpool::cli {

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"graphpool: pooling for graph neural networks (C++, PyG semantics)"};
  app.name(args.empty() ? "graphpool" : args[0]);
  app.require_subcommand(1, 1);
  Context context{out, err};
  register_convert(app, context);
  register_train(app, context);
  register_eval(app, context);
  // Further subcommands register here (one register_<name> per apps/<name>.cpp).
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend() - (args.empty() ? 0 : 1));
    app.parse(reversed);  // CLI11 takes the arguments in reverse order, without the program name
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err);
  } catch (const Error& e) {
    err << app.get_name() << ": error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {  // e.g. std::filesystem_error for an unwritable --out
    err << app.get_name() << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int run(int argc, const char* const* argv) {
  return run(std::vector<std::string>(argv, argv + argc), std::cout, std::cerr);
}

}  // namespace graphpool::cli
