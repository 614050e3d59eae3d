// The `graphpool` command-line tool; subcommands live in apps/<name>.cpp (see apps/commands.hpp).
#include "apps/commands.hpp"

int main(int argc, char** argv) {
  return graphpool::cli::run(argc, argv);
}
