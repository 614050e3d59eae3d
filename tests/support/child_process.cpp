#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace graphpool::testing {

namespace {

/// argv and the environment as execve wants them, built before fork (no allocation after it).
class ExecArgs {
 public:
  ExecArgs(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env)
      : env_strings_(extra_env) {
    if (argv.empty()) throw std::invalid_argument("child_process: empty argv");
    for (const std::string& a : argv) args_.push_back(const_cast<char*>(a.c_str()));
    args_.push_back(nullptr);
    for (char** e = environ; *e; ++e) env_strings_.emplace_back(*e);
    for (std::string& e : env_strings_) env_.push_back(e.data());
    env_.push_back(nullptr);
  }
  /// In the child after fork: execve, or exit 127 with a message on stderr.
  [[noreturn]] void run() const {
    ::execve(args_[0], args_.data(), env_.data());
    const char msg[] = "child_process: execve failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }

 private:
  std::vector<char*> args_;
  std::vector<std::string> env_strings_;  // extra_env first: the first of a duplicate name wins
  std::vector<char*> env_;
};

/// stdin of the child from /dev/null.
void stdin_from_devnull() {
  const int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
}

}  // namespace

std::string ChildResult::status() const {
  if (timed_out) return "timeout";
  if (signal != 0) return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  return "exit " + std::to_string(exit_code);
}

ChildResult run_child(const std::vector<std::string>& argv, double timeout_seconds,
                      const std::vector<std::string>& extra_env) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("run_child: pipe: ") + std::strerror(errno));
  const ExecArgs exec(argv, extra_env);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("run_child: fork: ") + std::strerror(errno));
  if (pid == 0) {
    stdin_from_devnull();
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    exec.run();
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  ChildResult result;
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    const int ready = ::poll(fds, 2, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && !result.timed_out) result.signal = WTERMSIG(status);
  return result;
}

pid_t start_child(const std::vector<std::string>& argv, const std::string& log_path,
                  const std::vector<std::string>& extra_env) {
  const ExecArgs exec(argv, extra_env);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0)
    throw std::runtime_error("start_child: cannot open " + log_path + ": " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log);
    throw std::runtime_error(std::string("start_child: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    stdin_from_devnull();
    ::dup2(log, 1);
    ::dup2(log, 2);
    exec.run();
  }
  ::close(log);
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace graphpool::testing
