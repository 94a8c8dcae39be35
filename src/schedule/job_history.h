// schedule/job_history.h: the job_runs table of the store file, one row per scheduled run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

struct JobRun {
  std::string job;
  int64_t started_at_ms = 0;  // stored as ISO-8601 UTC text
  int64_t ended_at_ms = 0;
  int64_t records = 0;  // rows the run landed
  int64_t errors = 0;   // dead letters the run added
  std::string outcome;  // "ok" or "failed"
  std::string message;  // the run's error, empty when ok
};

class JobHistory {
 public:
  // Opens (creating if needed) the store file and its job_runs table.
  Status open(const std::string& store_path);
  // Opens an existing store file read-only; a store without job_runs lists nothing.
  Status open_read_only(const std::string& store_path);

  Status record(const JobRun& run);
  // Every run, oldest first.
  Result<std::vector<JobRun>> list();

 private:
  SqliteConnection db_;
};

}  // namespace kascade
