#include "io/atomic_replace.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <regex>

#include "core/errors.hpp"

namespace graphpool {

namespace {

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string temporary_path_for(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void replace_with(const std::string& temp, const std::string& path) {
  fsync_path(temp, O_RDONLY);
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw IoError(path + ": cannot rename " + temp + " to it: " + reason);
  }
  const auto dir = std::filesystem::path(path).parent_path();
  fsync_path(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
}

int remove_stale_temporaries(const std::string& directory) {
  static const std::regex pattern(R"(.+\.tmp-([0-9]{1,10})-[0-9]+)");
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec), end;
  int removed = 0;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, pattern)) continue;
    const long long pid = std::stoll(match[1].str());
    // kill(pid, 0) fails with ESRCH when no such process exists: nobody writes that file any more
    const bool alive = pid == ::getpid() || pid > 0x7fffffff ||
                       !(::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH);
    std::error_code remove_ec;
    if (!alive && std::filesystem::remove(it->path(), remove_ec)) ++removed;
  }
  return removed;
}

}  // namespace graphpool
