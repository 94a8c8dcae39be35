// schedule/job_history.cc: SQLite persistence of scheduled runs.
#include "schedule/job_history.h"

#include "core/timestamp.h"

namespace kascade {
namespace {

// Other processes (the store sink) may hold the write lock briefly.
constexpr int kBusyTimeoutMs = 10000;

}  // namespace

Status JobHistory::open(const std::string& store_path) {
  if (auto status = db_.open(store_path, SqliteConnection::Mode::create, kBusyTimeoutMs); !status) return status;
  return db_.exec(
      "CREATE TABLE IF NOT EXISTS job_runs ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT NOT NULL,"
      " records INTEGER NOT NULL, errors INTEGER NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL)");
}

Status JobHistory::open_read_only(const std::string& store_path) {
  return db_.open(store_path, SqliteConnection::Mode::read_only, kBusyTimeoutMs);
}

Status JobHistory::record(const JobRun& run) {
  auto insert = db_.prepare(
      "INSERT INTO job_runs (job, started_at, ended_at, records, errors, outcome, message) VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return insert.error();
  const std::string started = format_iso8601_ms(run.started_at_ms);
  const std::string ended = format_iso8601_ms(run.ended_at_ms);
  insert->bind_text(1, run.job);
  insert->bind_text(2, started);
  insert->bind_text(3, ended);
  insert->bind(4, run.records);
  insert->bind(5, run.errors);
  insert->bind_text(6, run.outcome);
  insert->bind_text(7, run.message);
  return insert->run("record a job run");
}

Result<std::vector<JobRun>> JobHistory::list() {
  std::vector<JobRun> runs;
  auto exists = db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_runs'");
  if (!exists) return exists.error();
  if (exists->step() != SQLITE_ROW) return runs;
  auto select = db_.prepare(
      "SELECT job, started_at, ended_at, records, errors, outcome, message FROM job_runs ORDER BY id");
  if (!select) return select.error();
  int rc;
  while ((rc = select->step()) == SQLITE_ROW) {
    runs.push_back(JobRun{.job = std::string(select->column_text(0)),
                          .started_at_ms = parse_iso8601_ms(select->column_text(1)).value_or(0),
                          .ended_at_ms = parse_iso8601_ms(select->column_text(2)).value_or(0),
                          .records = select->column_int(3),
                          .errors = select->column_int(4),
                          .outcome = std::string(select->column_text(5)),
                          .message = std::string(select->column_text(6))});
  }
  if (rc != SQLITE_DONE) return db_.error(rc, "list job runs");
  return runs;
}

}  // namespace kascade
