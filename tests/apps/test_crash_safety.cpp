// Crash safety of `graphpool train`: the built tool is SIGKILLed many times at seeded random
// moments (half of the kills at a random moment of the run, half aimed at checkpoint writes: as
// soon as a temporary file of the child appears, after a random 0-2 ms). After every kill:
//   - every last.h5 / best.h5 there is loads completely (parameters, Adam state, training state)
//     and last.h5's epoch never goes back;
//   - the only other files are temporary files of killed children (never a name that is read
//     back), and metrics.csv / summary.json are complete;
// and `--resume` continues: each round of kills ends with a run that finishes by itself, whose
// outputs must equal an uninterrupted run's bitwise (then no temporary file may be left).
// Knobs: GRAPHPOOL_CRASH_KILLS (default 30: about 10-20 s), GRAPHPOOL_CRASH_SEED (default 1).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "io/checkpoint.hpp"
#include "tests/apps/train_outputs.hpp"
#include "tests/io/tu_fixture.hpp"

#ifdef GRAPHPOOL_CLI_PATH

namespace graphpool {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ScratchDir;

long env_number(const char* name, long fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtol(text, nullptr, 10) : fallback;
}

const std::vector<std::string> kSeeds{"0", "1"};

/// The tool's argv (path first) for a small MUTAG run into `out`.
std::vector<std::string> train_args(const std::string& out) {
  return {GRAPHPOOL_CLI_PATH,
          "train",
          "--data",
          testing::mutag_dir(),
          "--out",
          out,
          "--hidden",
          "16",
          "--batch-size",
          "32",
          "--lr",
          "0.01",
          "--epochs",
          "15",
          "--patience",
          "100",
          "--seeds",
          "0,1",
          "--checkpoint-every",
          "1",
          "--quiet"};
}

const std::regex& temporary_name() {
  static const std::regex pattern(R"((.+)\.tmp-([0-9]+)-[0-9]+)");
  return pattern;
}

/// Temporary files (name, pid) under `out` (the folder and its seed folders).
std::vector<std::pair<std::string, long>> temporaries(const std::string& out) {
  std::vector<std::pair<std::string, long>> found;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(out, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, temporary_name()))
      found.emplace_back(it->path().string(), std::stol(m[2].str()));
  }
  return found;
}

struct Stats {
  int kills = 0, kills_mid_write = 0, aimed = 0, rounds = 0, checkpoints_loaded = 0;
};

/// The checks after a kill (see the file comment). `epochs` holds last.h5's epoch per seed.
void check_after_kill(const std::string& out, pid_t pid, const std::set<long>& killed,
                      std::map<std::string, long long>& epochs, Stats& stats) {
  static const std::set<std::string> outputs{"metrics.csv", "curve.svg", "best.h5", "last.h5"};
  bool mid_write = false;
  for (const auto& [path, owner] : temporaries(out)) {
    EXPECT_TRUE(killed.count(owner)) << path << ": a temporary file of a process not killed";
    mid_write = mid_write || owner == pid;
  }
  stats.kills_mid_write += mid_write;
  if (std::filesystem::exists(out + "/summary.json")) {
    const std::string summary = testing::read_file(out + "/summary.json");
    EXPECT_TRUE(summary.size() > 2 && summary.substr(summary.size() - 2) == "}\n") << summary;
  }
  for (const std::string& seed : kSeeds) {
    const std::string dir = out + "/seed_" + seed;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(outputs.count(name) || std::regex_match(name, temporary_name()))
          << "unexpected file " << entry.path();
    }
    for (const std::string name : {"last.h5", "best.h5"}) {
      const std::string path = dir + "/" + name;
      if (!std::filesystem::exists(path)) continue;
      try {
        testing::checkpoint_bytes(path);  // loads everything the file holds
        ++stats.checkpoints_loaded;
      } catch (const std::exception& e) {
        ADD_FAILURE() << path << " does not load after a kill: " << e.what();
      }
    }
    if (std::filesystem::exists(dir + "/last.h5")) {
      const long long epoch = read_checkpoint_info(dir + "/last.h5").epoch_;
      EXPECT_GE(epoch, epochs[seed]) << dir << "/last.h5 went back";
      epochs[seed] = epoch;
    }
    if (std::filesystem::exists(dir + "/metrics.csv")) {
      const std::string csv = testing::read_file(dir + "/metrics.csv");
      EXPECT_TRUE(!csv.empty() && csv.back() == '\n') << dir << "/metrics.csv is incomplete";
    }
  }
}

/// Waits until the child exits (returns its exit code) or `deadline` passes (returns -1), or, when
/// `aim`, until a temporary file of the child appears (then waits 0-2 ms more; returns -1).
int wait_or_aim(pid_t pid, const std::string& out, Clock::time_point deadline, bool aim,
                std::mt19937_64& rng, Stats& stats) {
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (aim) {
      for (const auto& [path, owner] : temporaries(out)) {
        if (owner != pid) continue;
        ++stats.aimed;
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
        return -1;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(aim ? 100 : 500));
  }
  return -1;
}

TEST(TrainCrashSafety, SigkillAtRandomMomentsThenResumeEqualsUninterruptedRun) {
  const long target_kills = env_number("GRAPHPOOL_CRASH_KILLS", 30);
  std::mt19937_64 rng(static_cast<std::uint64_t>(env_number("GRAPHPOOL_CRASH_SEED", 1)));
  ScratchDir dir;
  const std::string log = dir.str("log");
  // The uninterrupted reference, timed to scale the random kill delays.
  const auto start = Clock::now();
  const pid_t ref = testing::start_child(train_args(dir.str("reference")), log);
  ASSERT_GT(ref, 0);
  ASSERT_EQ(testing::wait_child(ref), 0) << testing::read_file(log);
  const auto run_time = Clock::now() - start;
  Stats stats;
  while (stats.kills < target_kills) {
    const std::string out = dir.str("round" + std::to_string(stats.rounds));
    std::set<long> killed;
    std::map<std::string, long long> epochs;
    int invocations = 0;
    for (;;) {
      auto args = train_args(out);
      args.push_back("--resume");
      const pid_t pid = testing::start_child(args, log);
      ASSERT_GT(pid, 0);
      ++invocations;
      ASSERT_LT(invocations, 10000) << "no progress";
      const bool kill_this = stats.kills < target_kills;
      // A random moment within a quarter of the whole run, so a round takes several kills.
      const auto delay = std::chrono::duration_cast<Clock::duration>(
          run_time * std::uniform_real_distribution<double>(0.0, 0.25)(rng));
      const bool aim = stats.kills % 2 == 1;
      const int code = kill_this ? wait_or_aim(pid, out, Clock::now() + delay, aim, rng, stats)
                                 : testing::wait_child(pid);
      if (code >= 0) {  // finished by itself (or failed)
        ASSERT_EQ(code, 0) << testing::read_file(log);
        break;
      }
      ::kill(pid, SIGKILL);
      const int killed_code = testing::wait_child(pid);
      if (killed_code == 0) break;  // it finished by itself just before the kill
      ASSERT_EQ(killed_code, 128 + SIGKILL) << testing::read_file(log);
      killed.insert(pid);
      ++stats.kills;
      check_after_kill(out, pid, killed, epochs, stats);
      if (HasFailure()) return;
    }
    // The round's resumed runs finished: outputs as the uninterrupted run's, no temporary left.
    EXPECT_TRUE(temporaries(out).empty());
    testing::expect_same_outputs(dir.str("reference"), out, kSeeds);
    if (HasFailure()) return;
    std::filesystem::remove_all(out);
    ++stats.rounds;
  }
  std::printf(
      "[ crash    ] %d kills (%d aimed at a write, %d left a temporary file), %d rounds resumed to "
      "the end and equal to the uninterrupted run, %d checkpoints loaded after kills; run %.2f s\n",
      stats.kills, stats.aimed, stats.kills_mid_write, stats.rounds, stats.checkpoints_loaded,
      std::chrono::duration<double>(run_time).count());
  EXPECT_GT(stats.kills_mid_write, 0) << "no kill landed during a write";
}

}  // namespace
}  // namespace graphpool

#endif  // GRAPHPOOL_CLI_PATH
