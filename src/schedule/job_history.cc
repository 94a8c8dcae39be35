// schedule/job_history.cc: SQLite persistence of scheduled runs.
#include "schedule/job_history.h"

#include <fmt/format.h>

#include <filesystem>

#include "core/timestamp.h"
#include "sqlite/format_version.h"

namespace kascade {
namespace {

// A `jobs ls` may read while the scheduler writes.
constexpr int kBusyTimeoutMs = 10000;
// The layout of job_runs (PRAGMA user_version).
constexpr FileFormat kJobHistoryFormat{"job history", 1};

constexpr const char* kColumns =
    "id, job, run, started_at, ended_at, updated_at, records, rows_landed, dead_letters, outcome, reason, "
    "scheduler_pid, scheduler_token";

JobRun read_row(const SqliteStatement& row) {
  auto time_at = [&](int column) -> std::optional<int64_t> {
    if (sqlite3_column_type(row.get(), column) == SQLITE_NULL) return std::nullopt;
    return parse_iso8601_ms(row.column_text(column)).value_or(0);
  };
  JobRun run;
  run.id = row.column_int(0);
  run.job = std::string(row.column_text(1));
  if (sqlite3_column_type(row.get(), 2) != SQLITE_NULL) run.run = row.column_int(2);
  run.started_at_ms = time_at(3).value_or(0);
  run.ended_at_ms = time_at(4);
  run.updated_at_ms = time_at(5).value_or(0);
  run.counts = RunCounts{row.column_int(6), row.column_int(7), row.column_int(8)};
  run.outcome = std::string(row.column_text(9));
  run.reason = std::string(row.column_text(10));
  run.scheduler = ProcessIdentity{row.column_int(11), std::string(row.column_text(12))};
  return run;
}

}  // namespace

std::string job_history_file(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "jobs.db").string();
}

JobRun as_seen(JobRun run, const std::function<bool(const ProcessIdentity&)>& alive) {
  if (run.outcome != job_outcome::running || alive(run.scheduler)) return run;
  run.outcome = job_outcome::interrupted;
  run.ended_at_ms = run.updated_at_ms;
  run.reason = fmt::format("the scheduler (pid {}) ended during the run; the counts are those of {}", run.scheduler.pid,
                           format_iso8601_ms(run.updated_at_ms));
  return run;
}

Status JobHistory::open(const std::string& path) {
  if (auto status = db_.open(path, SqliteConnection::Mode::create, kBusyTimeoutMs); !status) return status;
  // Before anything writes: a history from a newer kascade is refused untouched.
  auto format = check_format_version(db_, path, kJobHistoryFormat);
  if (!format) return format.status();
  if (auto status = db_.exec("PRAGMA journal_mode = WAL"); !status) return status;
  Status created = db_.exec(
      "CREATE TABLE IF NOT EXISTS job_runs ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, run INTEGER,"
      " started_at TEXT NOT NULL, ended_at TEXT, updated_at TEXT NOT NULL,"
      " records INTEGER NOT NULL, rows_landed INTEGER NOT NULL, dead_letters INTEGER NOT NULL,"
      " outcome TEXT NOT NULL, reason TEXT NOT NULL, scheduler_pid INTEGER NOT NULL, scheduler_token TEXT NOT NULL)");
  if (!created) return created;
  return stamp_format_version(db_, *format, kJobHistoryFormat);
}

Status JobHistory::open_read_only(const std::string& path) {
  if (auto status = db_.open(path, SqliteConnection::Mode::read_only, kBusyTimeoutMs); !status) return status;
  auto format = check_format_version(db_, path, kJobHistoryFormat);
  return format ? ok_status() : format.status();
}

Result<JobRun> JobHistory::begin_run(const std::string& job, int64_t started_at_ms, const ProcessIdentity& scheduler) {
  auto insert = db_.prepare(
      "INSERT INTO job_runs (job, run, started_at, ended_at, updated_at, records, rows_landed, dead_letters, outcome,"
      " reason, scheduler_pid, scheduler_token)"
      " VALUES (?1, (SELECT coalesce(max(run), 0) + 1 FROM job_runs WHERE job = ?1), ?2, NULL, ?2, 0, 0, 0,"
      " 'running', '', ?3, ?4) RETURNING " +
      std::string(kColumns));
  if (!insert) return insert.error();
  const std::string started = format_iso8601_ms(started_at_ms);
  insert->bind_text(1, job);
  insert->bind_text(2, started);
  insert->bind(3, scheduler.pid);
  insert->bind_text(4, scheduler.start_token);
  if (const int rc = insert->step(); rc != SQLITE_ROW) return db_.error(rc, "record the start of a job run");
  JobRun run = read_row(*insert);
  if (const int rc = insert->step(); rc != SQLITE_DONE) return db_.error(rc, "record the start of a job run");
  return run;
}

Status JobHistory::update_run(int64_t id, const RunCounts& counts, int64_t now_ms) {
  auto update =
      db_.prepare("UPDATE job_runs SET records = ?, rows_landed = ?, dead_letters = ?, updated_at = ? WHERE id = ?");
  if (!update) return update.error();
  const std::string now = format_iso8601_ms(now_ms);
  update->bind(1, counts.records);
  update->bind(2, counts.rows);
  update->bind(3, counts.dead_letters);
  update->bind_text(4, now);
  update->bind(5, id);
  return update->run("update a job run's counts");
}

Status JobHistory::finish_run(int64_t id, int64_t ended_at_ms, const RunCounts& counts, const std::string& outcome,
                              const std::string& reason) {
  auto update = db_.prepare(
      "UPDATE job_runs SET records = ?, rows_landed = ?, dead_letters = ?, updated_at = ?5, ended_at = ?5,"
      " outcome = ?6, reason = ?7 WHERE id = ?8");
  if (!update) return update.error();
  const std::string ended = format_iso8601_ms(ended_at_ms);
  update->bind(1, counts.records);
  update->bind(2, counts.rows);
  update->bind(3, counts.dead_letters);
  update->bind_text(5, ended);
  update->bind_text(6, outcome);
  update->bind_text(7, reason);
  update->bind(8, id);
  return update->run("record the end of a job run");
}

Status JobHistory::record_skipped(const std::string& job, int64_t tick_ms, const std::string& reason,
                                  const ProcessIdentity& scheduler) {
  auto insert = db_.prepare(
      "INSERT INTO job_runs (job, run, started_at, ended_at, updated_at, records, rows_landed, dead_letters, outcome,"
      " reason, scheduler_pid, scheduler_token) VALUES (?1, NULL, ?2, ?2, ?2, 0, 0, 0, 'skipped', ?3, ?4, ?5)");
  if (!insert) return insert.error();
  const std::string tick = format_iso8601_ms(tick_ms);
  insert->bind_text(1, job);
  insert->bind_text(2, tick);
  insert->bind_text(3, reason);
  insert->bind(4, scheduler.pid);
  insert->bind_text(5, scheduler.start_token);
  return insert->run("record a skipped tick");
}

Result<int> JobHistory::mark_interrupted(const std::function<bool(const ProcessIdentity&)>& alive) {
  auto running = list();
  if (!running) return running.error();
  int marked = 0;
  for (const JobRun& stored : *running) {
    if (stored.outcome != job_outcome::running) continue;
    const JobRun seen = as_seen(stored, alive);
    if (seen.outcome == job_outcome::running) continue;
    // Only a row still `running` is changed: a scheduler racing to finish it wins.
    auto update =
        db_.prepare("UPDATE job_runs SET outcome = ?, reason = ?, ended_at = ? WHERE id = ? AND outcome = 'running'");
    if (!update) return update.error();
    const std::string ended = format_iso8601_ms(*seen.ended_at_ms);
    update->bind_text(1, seen.outcome);
    update->bind_text(2, seen.reason);
    update->bind_text(3, ended);
    update->bind(4, seen.id);
    if (auto status = update->run("mark an interrupted job run"); !status) return status.error();
    ++marked;
  }
  return marked;
}

Result<std::vector<JobRun>> JobHistory::list(const std::optional<std::string>& job) {
  std::vector<JobRun> runs;
  auto exists = db_.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job_runs'");
  if (!exists) return exists.error();
  if (const int rc = exists->step(); rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE) return runs;
    return db_.error(rc, "read job runs");
  }
  auto select = db_.prepare(fmt::format("SELECT {} FROM job_runs WHERE ?1 IS NULL OR job = ?1 ORDER BY id", kColumns));
  if (!select) return select.error();
  if (job) select->bind_text(1, *job);
  int rc;
  while ((rc = select->step()) == SQLITE_ROW) runs.push_back(read_row(*select));
  if (rc != SQLITE_DONE) return db_.error(rc, "list job runs");
  return runs;
}

}  // namespace kascade
