// pipeline/process_lock.h: one processor per embedded data dir (`<data-dir>/process.lock`).
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "core/result.h"

namespace kascade {

// An exclusive flock on `<data-dir>/process.lock`, the holder's pid written
// in it, held while the object lives. The kernel releases it when the process
// ends, however it ends (kill -9 included), so a stale file never blocks.
class ProcessLock {
 public:
  ProcessLock() = default;  // holds nothing
  ~ProcessLock();
  ProcessLock(ProcessLock&& other) noexcept;
  ProcessLock& operator=(ProcessLock&& other) noexcept;
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;

  // Takes the lock of `data_dir`, or fails at once with Errc::unavailable
  // naming the holder's pid (Errc::io if the file cannot be created).
  static Result<ProcessLock> acquire(const std::filesystem::path& data_dir);

 private:
  explicit ProcessLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The lock of the commands that write the store: `process`, `run` and
// `dlq replay` on the embedded bus with the SQLite store. A Kafka consumer
// group's members share a store by design, and Cassandra has its own lease:
// they take no lock (an empty ProcessLock).
Result<ProcessLock> lock_data_dir_for_processing(const Config& config);

}  // namespace kascade
