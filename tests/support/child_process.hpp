#pragma once
/// Runs a program as a child process with a timeout and captures its exit status, stdout and
/// stderr (POSIX fork/exec; no shell, so arguments need no quoting).
///   ChildResult r = run_child({GRAPHPOOL_CLI_PATH, "convert", "--tu-dir", dir}, 60.0);
///   EXPECT_EQ(r.exit_code, 1) << r.err;   // r.signal != 0 if it crashed, r.timed_out if killed
#include <sys/types.h>

#include <string>
#include <vector>

namespace graphpool::testing {

struct ChildResult {
  int exit_code = -1;      ///< the exit status when the child exited normally, else -1
  int signal = 0;          ///< the signal that ended the child (0 if it exited normally)
  bool timed_out = false;  ///< killed with SIGKILL after the timeout
  std::string out;         ///< everything it wrote to stdout
  std::string err;         ///< everything it wrote to stderr
  /// "exit 1", "signal 11", "timeout after 60 s".
  std::string status() const;
};

/// Runs argv[0] (a path; not searched in PATH) with arguments argv[1..], stdin from /dev/null,
/// and waits at most `timeout_seconds` (then SIGKILL). Optional environment additions "KEY=VALUE".
ChildResult run_child(const std::vector<std::string>& argv, double timeout_seconds,
                      const std::vector<std::string>& extra_env = {});

/// Starts argv[0] in the background with stdout and stderr appended to `log_path`, stdin from
/// /dev/null, and `extra_env` ("KEY=VALUE") added to the environment; returns its pid. For tests
/// that act on a running child (kill it, watch its files); finish with wait_child.
///   const pid_t pid = start_child({GRAPHPOOL_CLI_PATH, "train", ...}, dir + "/log");
///   ::kill(pid, SIGKILL);
///   EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
pid_t start_child(const std::vector<std::string>& argv, const std::string& log_path,
                  const std::vector<std::string>& extra_env = {});

/// Waits for a child of start_child: its exit code, or 128 + the signal number that ended it.
int wait_child(pid_t pid);

}  // namespace graphpool::testing
