// sqlite/init_lock.h: one process at a time opens and initialises a database file.
#pragma once

#include <string>

namespace kascade {

// Holds an exclusive advisory lock on "<database>.init-lock" for its scope.
// Several processes starting at once on a new file (`kascade ingest` and
// `kascade process`, or the members of one consumer group) must not race to
// write its first header and switch it to WAL mode: SQLite does not fully
// guard that switch, and a racing opener can see "database is locked" (which
// the busy timeout does not cover), "file is not a database" or an I/O error.
// Without the lock file (a read-only directory) it locks nothing.
class SqliteInitLock {
 public:
  explicit SqliteInitLock(const std::string& database);
  ~SqliteInitLock();
  SqliteInitLock(const SqliteInitLock&) = delete;
  SqliteInitLock& operator=(const SqliteInitLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace kascade
