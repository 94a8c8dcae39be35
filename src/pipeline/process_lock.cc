// pipeline/process_lock.cc: the flock of `<data-dir>/process.lock`.
#include "pipeline/process_lock.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace kascade {
namespace {

// The pid the holder wrote ("" if it has not written it yet).
std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  std::string text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

ProcessLock::~ProcessLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

ProcessLock::ProcessLock(ProcessLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ProcessLock& ProcessLock::operator=(ProcessLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<ProcessLock> ProcessLock::acquire(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = data_dir / "process.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error::make(Errc::io, fmt::format("cannot open the lock file {}: {}", path.string(), std::strerror(errno)));
  }
  ProcessLock lock(fd);
  int rc;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    if (errno != EWOULDBLOCK) {
      return Error::make(Errc::io, fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
    const std::string pid = holder_pid(fd);
    return Error::make(Errc::unavailable,
                       fmt::format("another kascade process (pid {}) is processing data dir {} (it holds {}); "
                                   "one processor per data dir",
                                   pid.empty() ? "unknown" : pid, data_dir.string(), path.string()));
  }
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return Error::make(Errc::io, fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  return lock;
}

Result<ProcessLock> lock_data_dir_for_processing(const Config& config) {
  if (config.bus.type != BusType::embedded || config.store.type != StoreType::sqlite) return ProcessLock();
  return ProcessLock::acquire(config.data_dir);
}

}  // namespace kascade
