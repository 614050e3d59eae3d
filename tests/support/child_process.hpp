#pragma once
/// Runs a program as a child process with a timeout and captures its exit status, stdout and
/// stderr (POSIX fork/exec; no shell, so arguments need no quoting).
///   ChildResult r = run_child({GRAPHPOOL_CLI_PATH, "convert", "--tu-dir", dir}, 60.0);
///   EXPECT_EQ(r.exit_code, 1) << r.err;   // r.signal != 0 if it crashed, r.timed_out if killed
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

}  // namespace graphpool::testing
