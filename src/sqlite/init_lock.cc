// sqlite/init_lock.cc: the advisory file lock around opening a database file.
#include "sqlite/init_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace kascade {

SqliteInitLock::SqliteInitLock(const std::string& database) {
  fd_ = ::open((database + ".init-lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return;
  while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
  }
}

SqliteInitLock::~SqliteInitLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace kascade
