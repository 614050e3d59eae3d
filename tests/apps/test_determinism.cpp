// Determinism end to end: `graphpool train` with the same seed gives bitwise-identical outputs
// for 1 and 2 TBB threads, for two runs in a row in one process, and for the built tool run as a
// separate process. Compared: metrics.csv (without the wall-time column), best.h5 and last.h5
// (parameters, Adam moments and step, and the full-precision float64 loss trajectory of the
// training state) and summary.json (without wall times and the thread count).
#include <gtest/gtest.h>

#include <sstream>

#include "apps/commands.hpp"
#include "tests/apps/train_outputs.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;

// Two seeds of SAGPool_h with dropout (the Generator's draws matter) on MUTAG.
std::vector<std::string> train_args(const std::string& model, const std::string& out,
                                    const std::string& threads) {
  std::vector<std::string> args{"--data", testing::mutag_dir(), "--out", out};
  std::istringstream words("--model " + model +
                           " --hidden 16 --batch-size 32 --lr 0.01 --epochs 6 --patience 100"
                           " --seeds 0,1 --quiet --threads " +
                           threads);
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

void run_in_process(const std::vector<std::string>& args) {
  std::vector<std::string> full{"graphpool", "train"};
  full.insert(full.end(), args.begin(), args.end());
  std::ostringstream out, err;
  ASSERT_EQ(cli::run(full, out, err), 0) << err.str();
}

TEST(TrainDeterminism, OneAndTwoThreadsAndRunsInARowAreBitwiseIdentical) {
  for (const std::string model : {"sagpool_h", "topk_h"}) {
    SCOPED_TRACE(model);
    ScratchDir dir;
    run_in_process(train_args(model, dir.str("one"), "1"));
    run_in_process(train_args(model, dir.str("two"), "2"));
    run_in_process(train_args(model, dir.str("two_again"), "2"));
    run_in_process(train_args(model, dir.str("one_again"), "1"));
    testing::expect_same_outputs(dir.str("one"), dir.str("two"), {"0", "1"});
    testing::expect_same_outputs(dir.str("two"), dir.str("two_again"), {"0", "1"});
    testing::expect_same_outputs(dir.str("one"), dir.str("one_again"), {"0", "1"});
    // The seeds differ from each other (the comparison is not vacuous).
    EXPECT_NE(testing::metrics_without_seconds(dir.str("one/seed_0/metrics.csv")),
              testing::metrics_without_seconds(dir.str("one/seed_1/metrics.csv")));
  }
}

#ifdef GRAPHPOOL_CLI_PATH
TEST(TrainDeterminism, BuiltToolMatchesInProcessRunsForOneAndTwoThreads) {
  ScratchDir dir;
  run_in_process(train_args("sagpool_h", dir.str("in_process"), "2"));
  for (const std::string threads : {"1", "2"}) {
    std::vector<std::string> args{GRAPHPOOL_CLI_PATH, "train"};
    const auto rest = train_args("sagpool_h", dir.str("tool_" + threads), threads);
    args.insert(args.end(), rest.begin(), rest.end());
    const pid_t pid = testing::start_child(args, dir.str("log"));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(testing::wait_child(pid), 0) << testing::read_file(dir.str("log"));
    testing::expect_same_outputs(dir.str("in_process"), dir.str("tool_" + threads), {"0", "1"});
  }
}
#endif

}  // namespace
}  // namespace graphpool
