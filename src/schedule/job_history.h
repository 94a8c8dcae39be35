// schedule/job_history.h: the job_runs table of <data_dir>/jobs.db, one row per scheduled run or skipped tick.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "schedule/process_identity.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

// The outcomes a row can have. `running` is the row of a run in progress; a
// `running` row whose scheduler is gone reads as `interrupted`.
namespace job_outcome {
inline constexpr const char* running = "running";
inline constexpr const char* ok = "ok";
inline constexpr const char* failed = "failed";
inline constexpr const char* stopped = "stopped";
inline constexpr const char* interrupted = "interrupted";
inline constexpr const char* skipped = "skipped";
}  // namespace job_outcome

// What a run did so far: records the source put on the bus, rows and dead letters the sink acknowledged.
struct RunCounts {
  int64_t records = 0;
  int64_t rows = 0;
  int64_t dead_letters = 0;
};

struct JobRun {
  int64_t id = 0;  // unique across jobs
  std::string job;
  std::optional<int64_t> run;          // the job's run number (1, 2, ...); none for a skipped tick
  int64_t started_at_ms = 0;           // stored as ISO-8601 UTC text, like every time here
  std::optional<int64_t> ended_at_ms;  // none while running
  int64_t updated_at_ms = 0;           // the counts' last update
  RunCounts counts;
  std::string outcome;
  std::string reason;         // why it failed, stopped, was interrupted or skipped; empty when ok
  ProcessIdentity scheduler;  // the `kascade schedule` process that wrote the row
};

// A `running` row whose scheduler is not alive, as it is shown and marked:
// `interrupted`, ended at its last update. Any other row is returned as it is.
JobRun as_seen(JobRun run, const std::function<bool(const ProcessIdentity&)>& alive);

// The history file of a data dir: <data_dir>/jobs.db, whatever the store is.
std::string job_history_file(const std::string& data_dir);

class JobHistory {
 public:
  // Opens (creating if needed) the history file and its job_runs table.
  Status open(const std::string& path);
  // Opens an existing history file read-only; a file without job_runs lists nothing.
  Status open_read_only(const std::string& path);

  // Inserts the `running` row of a run that starts now, numbered after the job's last run.
  Result<JobRun> begin_run(const std::string& job, int64_t started_at_ms, const ProcessIdentity& scheduler);
  Status update_run(int64_t id, const RunCounts& counts, int64_t now_ms);
  Status finish_run(int64_t id, int64_t ended_at_ms, const RunCounts& counts, const std::string& outcome,
                    const std::string& reason);
  // A tick that came while a run was still going: recorded, never run.
  Status record_skipped(const std::string& job, int64_t tick_ms, const std::string& reason,
                        const ProcessIdentity& scheduler);
  // Marks every `running` row whose scheduler is not alive as `interrupted`
  // (see as_seen); returns how many rows it marked.
  Result<int> mark_interrupted(const std::function<bool(const ProcessIdentity&)>& alive);

  // Every row (of `job` only, when given), oldest first, as stored.
  Result<std::vector<JobRun>> list(const std::optional<std::string>& job = std::nullopt);

 private:
  SqliteConnection db_;
};

}  // namespace kascade
