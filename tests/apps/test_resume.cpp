// `graphpool train --resume`: a run stopped after some epochs and resumed from last.h5 gives the
// same bits as an uninterrupted run (loss trajectory, metrics.csv, best.h5, last.h5, summary),
// and a checkpoint of other settings or data is refused with a message naming the difference.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/commands.hpp"
#include "io/checkpoint.hpp"
#include "tests/apps/train_outputs.hpp"
#include "tests/io/tu_fixture.hpp"

namespace graphpool {
namespace {

using testing::ScratchDir;

// Small and fast on MUTAG; dropout stays on so the Generator's position matters.
std::vector<std::string> train_args(const std::string& out, const std::string& seeds,
                                    const std::string& epochs, const std::string& patience) {
  std::vector<std::string> args{"graphpool", "train", "--data", testing::mutag_dir(), "--out", out};
  std::istringstream words("--hidden 16 --batch-size 32 --lr 0.01 --quiet --seeds " + seeds +
                           " --epochs " + epochs + " --patience " + patience);
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

int run(std::vector<std::string> args, const std::vector<std::string>& extra,
        std::string* output = nullptr) {
  args.insert(args.end(), extra.begin(), extra.end());
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  if (output) *output = out.str() + err.str();
  EXPECT_TRUE(code == 0 || output) << "exit " << code << ": " << err.str();
  return code;
}

TEST(TrainResume, StoppedAndResumedRunEqualsUninterruptedRunBitwise) {
  ScratchDir dir;
  const auto whole = train_args(dir.str("whole"), "0,1", "12", "100");
  const auto parts = train_args(dir.str("parts"), "0,1", "12", "100");
  run(whole, {});
  // 5 epochs of seed 0; then 7 more (seed 0 finishes) and 3 of seed 1; then the rest.
  std::string text;
  run(parts, {"--stop-after", "5"}, &text);
  EXPECT_NE(text.find("stopped after epoch 5"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(dir.str("parts/summary.json")));
  EXPECT_EQ(read_checkpoint_info(dir.str("parts/seed_0/last.h5")).epoch_, 5);
  run(parts, {"--resume", "--stop-after", "10"}, &text);
  EXPECT_NE(text.find("resuming after epoch 5"), std::string::npos) << text;
  EXPECT_EQ(read_checkpoint_info(dir.str("parts/seed_1/last.h5")).epoch_, 3);
  run(parts, {"--resume"}, &text);
  EXPECT_NE(text.find("seed 0: finished earlier"), std::string::npos) << text;
  EXPECT_NE(text.find("seed 1: resuming after epoch 3"), std::string::npos) << text;
  testing::expect_same_outputs(dir.str("whole"), dir.str("parts"), {"0", "1"});
  // Resuming a finished run changes nothing but rewrites the same summary.
  run(parts, {"--resume"});
  testing::expect_same_outputs(dir.str("whole"), dir.str("parts"), {"0", "1"});
}

TEST(TrainResume, OneEpochAtATimeThroughEarlyStoppingEqualsUninterrupted) {
  // A short patience so that early stopping happens: every epoch boundary, including the one
  // where the patience runs out, is a resume point.
  ScratchDir dir;
  const auto whole = train_args(dir.str("whole"), "3", "60", "3");
  const auto parts = train_args(dir.str("parts"), "3", "60", "3");
  run(whole, {});
  int invocations = 0;
  while (!std::filesystem::exists(dir.str("parts/summary.json")) && invocations < 70) {
    run(parts, {"--resume", "--stop-after", "1"});
    ++invocations;
  }
  std::istringstream metrics(testing::read_file(dir.str("whole/seed_3/metrics.csv")));
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) ++lines;
  EXPECT_LT(lines - 1, 60) << "the patience never ran out: the test does not cover early stopping";
  EXPECT_EQ(invocations, lines - 1);  // one epoch per invocation
  testing::expect_same_outputs(dir.str("whole"), dir.str("parts"), {"3"});
}

TEST(TrainResume, CheckpointEveryNAndResumeWithoutCheckpointStartsAfresh) {
  ScratchDir dir;
  run(train_args(dir.str("whole"), "0", "9", "100"), {});
  // No last.h5 yet: --resume starts afresh. --checkpoint-every 4 writes after epochs 4 and 8
  // (and at the end); --stop-after 6 writes after epoch 6 as well.
  const auto parts = train_args(dir.str("parts"), "0", "9", "100");
  run(parts, {"--resume", "--checkpoint-every", "4", "--stop-after", "6"});
  EXPECT_EQ(read_checkpoint_info(dir.str("parts/seed_0/last.h5")).epoch_, 6);
  run(parts, {"--resume", "--checkpoint-every", "4"});
  testing::expect_same_outputs(dir.str("whole"), dir.str("parts"), {"0"});
}

TEST(TrainResume, RefusesCheckpointOfOtherSettingsNamingTheDifference) {
  ScratchDir dir;
  const auto base = train_args(dir.str("out"), "0", "8", "100");
  run(base, {"--stop-after", "2"});
  const std::string before = testing::checkpoint_bytes(dir.str("out/seed_0/last.h5"));
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  auto with = [&](const std::string& flag, const std::string& value) {
    auto args = base;
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == flag) args[i + 1] = value;
    return args;
  };
  std::vector<Case> cases{
      {with("--hidden", "32"), "hidden: 16 in the checkpoint, 32 now"},
      {with("--lr", "0.02"), "lr: 0.01 in the checkpoint, 0.02 now"},
      {with("--epochs", "9"), "max_epochs: 8 in the checkpoint, 9 now"},
      {with("--patience", "7"), "patience: 100 in the checkpoint, 7 now"},
      {with("--batch-size", "16"), "batch_size: 32 in the checkpoint, 16 now"},
  };
  auto model = base;
  model.insert(model.end(), {"--model", "topk_h"});
  cases.push_back({model, "model: sagpool_h in the checkpoint, topk_h now"});
  auto dropout = base;
  dropout.insert(dropout.end(), {"--dropout", "0.25"});
  cases.push_back({dropout, "dropout: 0.5 in the checkpoint, 0.25 now"});
  for (const Case& c : cases) {
    std::string text;
    EXPECT_EQ(run(c.args, {"--resume"}, &text), 1) << c.expected;
    EXPECT_NE(text.find("cannot resume"), std::string::npos) << text;
    EXPECT_NE(text.find(c.expected), std::string::npos) << text;
  }
  // Another dataset of the same size: MUTAG with the label of node 1 changed (0 -> 1).
  std::filesystem::copy(testing::mutag_dir(), dir.str("MUTAG"));
  {
    const std::string labels = testing::read_file(dir.str("MUTAG/MUTAG_node_labels.txt"));
    ASSERT_EQ(labels.substr(0, 2), "0\n");
    std::ofstream(dir.str("MUTAG/MUTAG_node_labels.txt"), std::ios::binary)
        << "1" << labels.substr(1);
  }
  std::string text;
  EXPECT_EQ(run(with("--data", dir.str("MUTAG")), {"--resume"}, &text), 1);
  EXPECT_NE(text.find("cannot resume"), std::string::npos) << text;
  EXPECT_NE(text.find("fnv1a: "), std::string::npos) << text;
  EXPECT_EQ(text.find("graphs: "), std::string::npos) << text;  // the counts are the same
  // Nothing was touched by the refused runs.
  testing::expect_same_bytes(before, testing::checkpoint_bytes(dir.str("out/seed_0/last.h5")),
                             "last.h5 after refused resumes");
}

TEST(TrainResume, RefusesACheckpointWithoutTrainingState) {
  ScratchDir dir;
  const auto base = train_args(dir.str("out"), "0", "3", "100");
  run(base, {});
  std::filesystem::copy_file(dir.str("out/seed_0/best.h5"), dir.str("out/seed_0/last.h5"),
                             std::filesystem::copy_options::overwrite_existing);
  std::string text;
  EXPECT_EQ(run(base, {"--resume"}, &text), 1);
  EXPECT_NE(text.find("last.h5: no training state"), std::string::npos) << text;
}

TEST(TrainResume, RemovesTemporaryFilesOfDeadProcessesOnStart) {
  ScratchDir dir;
  const auto base = train_args(dir.str("out"), "0", "2", "100");
  std::filesystem::create_directories(dir.str("out/seed_0"));
  // pid 2^31 - 2 does not exist (pid_max is at most 2^22): a writer killed mid-write.
  for (const std::string name :
       {"out/seed_0/last.h5.tmp-2147483646-0", "out/seed_0/metrics.csv.tmp-2147483646-3",
        "out/summary.json.tmp-2147483646-9"})
    std::ofstream(dir.str(name)) << "partial";
  // A file of a live process (this test) and an unrelated file are kept.
  const std::string live = "out/seed_0/best.h5.tmp-" + std::to_string(::getppid()) + "-0";
  std::ofstream(dir.str(live)) << "being written";
  std::ofstream(dir.str("out/seed_0/notes.tmp")) << "mine";
  std::string text;
  run(base, {"--resume"}, &text);
  EXPECT_NE(text.find("removed temporary files of an interrupted run"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(dir.str("out/seed_0/last.h5.tmp-2147483646-0")));
  EXPECT_FALSE(std::filesystem::exists(dir.str("out/seed_0/metrics.csv.tmp-2147483646-3")));
  EXPECT_FALSE(std::filesystem::exists(dir.str("out/summary.json.tmp-2147483646-9")));
  EXPECT_TRUE(std::filesystem::exists(dir.str(live)));
  EXPECT_TRUE(std::filesystem::exists(dir.str("out/seed_0/notes.tmp")));
  EXPECT_NO_THROW(read_checkpoint_info(dir.str("out/seed_0/last.h5")));
}

}  // namespace
}  // namespace graphpool
