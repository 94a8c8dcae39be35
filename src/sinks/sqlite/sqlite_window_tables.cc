// sinks/sqlite/sqlite_window_tables.cc: the SQL of window results, window state and partition clocks.
#include "sinks/sqlite/sqlite_window_tables.h"

#include <fmt/format.h>

#include "sinks/sqlite/sqlite_store.h"

namespace kascade {
namespace {

// WITHOUT ROWID: each table is one B-tree ordered by its key, no second index.
constexpr const char* kCreateStateTables =
    "CREATE TABLE IF NOT EXISTS window_state ("
    " aggregation TEXT NOT NULL, window_start INTEGER NOT NULL, group_key BLOB NOT NULL, state BLOB NOT NULL,"
    " PRIMARY KEY (aggregation, window_start, group_key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS window_clocks ("
    " aggregation TEXT NOT NULL, partition INTEGER NOT NULL, max_event_ms INTEGER NOT NULL,"
    " late_records INTEGER NOT NULL, PRIMARY KEY (aggregation, partition)) WITHOUT ROWID;";

}  // namespace

Result<SqliteWindowTables> SqliteWindowTables::open(SqliteConnection& db, const TableSchema& results) {
  if (auto status = db.exec(SqliteStore::create_table_sql(results).c_str()); !status) return status.error();
  if (auto status = db.exec(kCreateStateTables); !status) return status.error();
  // A result row replaces the previous one of its window and group entirely:
  // a provisional result is overwritten by the final one.
  std::vector<std::string> names, placeholders, updates;
  for (const Column& column : results.columns) {
    names.push_back(column.name);
    placeholders.push_back("?");
    if (!results.is_primary_key(column.name)) updates.push_back(fmt::format("{0} = excluded.{0}", column.name));
  }
  const std::string upsert = fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
                                         results.name, fmt::join(names, ", "), fmt::join(placeholders, ", "),
                                         fmt::join(results.primary_key, ", "), fmt::join(updates, ", "));
  SqliteWindowTables tables;
  tables.name_ = results.name;
  struct Prepared {
    SqliteStatement* into;
    std::string sql;
  };
  const Prepared statements[] = {
      {&tables.upsert_result_, upsert},
      {&tables.delete_window_, "DELETE FROM window_state WHERE aggregation = ? AND window_start = ?"},
      {&tables.upsert_state_,
       "INSERT INTO window_state (aggregation, window_start, group_key, state) VALUES (?, ?, ?, ?) "
       "ON CONFLICT (aggregation, window_start, group_key) DO UPDATE SET state = excluded.state"},
      {&tables.upsert_clock_,
       "INSERT INTO window_clocks (aggregation, partition, max_event_ms, late_records) VALUES (?, ?, ?, ?) "
       "ON CONFLICT (aggregation, partition) DO UPDATE SET max_event_ms = excluded.max_event_ms, "
       "late_records = excluded.late_records"},
      {&tables.select_states_, "SELECT window_start, group_key, state FROM window_state WHERE aggregation = ?"},
      {&tables.select_clocks_, "SELECT partition, max_event_ms, late_records FROM window_clocks WHERE aggregation = ?"},
  };
  for (const Prepared& p : statements) {
    auto statement = db.prepare(p.sql);
    if (!statement) return statement.error();
    *p.into = std::move(*statement);
  }
  return tables;
}

Result<WindowCheckpoint> SqliteWindowTables::load() {
  WindowCheckpoint checkpoint;
  select_states_.bind_text(1, name_);
  int rc;
  while ((rc = select_states_.step()) == SQLITE_ROW) {
    checkpoint.states.push_back({select_states_.column_int(0), std::string(select_states_.column_blob(1)),
                                 std::string(select_states_.column_blob(2))});
  }
  select_states_.reset();
  if (rc != SQLITE_DONE) return Error::make(Errc::io, fmt::format("read window state (SQLite error {})", rc));
  select_clocks_.bind_text(1, name_);
  while ((rc = select_clocks_.step()) == SQLITE_ROW) {
    checkpoint.clocks[static_cast<int32_t>(select_clocks_.column_int(0))] =
        PartitionClock{select_clocks_.column_int(1), select_clocks_.column_int(2)};
  }
  select_clocks_.reset();
  if (rc != SQLITE_DONE) return Error::make(Errc::io, fmt::format("read window clocks (SQLite error {})", rc));
  return checkpoint;
}

Status SqliteWindowTables::apply(const WindowDelta& delta) {
  for (size_t r = 0; r < delta.results.rows(); ++r) {
    SqliteStore::bind_row(upsert_result_, delta.results, r, timestamp_buffer_);
    if (auto status = upsert_result_.run("upsert window result"); !status) return status;
  }
  for (int64_t start : delta.closed_windows) {
    delete_window_.bind_text(1, name_);
    delete_window_.bind(2, start);
    if (auto status = delete_window_.run("delete closed window state"); !status) return status;
  }
  for (const WindowStateEntry& entry : delta.states) {
    upsert_state_.bind_text(1, name_);
    upsert_state_.bind(2, entry.window_start);
    upsert_state_.bind_blob(3, entry.group_key);
    upsert_state_.bind_blob(4, entry.state);
    if (auto status = upsert_state_.run("store window state"); !status) return status;
  }
  for (const auto& [partition, clock] : delta.clocks) {
    upsert_clock_.bind_text(1, name_);
    upsert_clock_.bind(2, partition);
    upsert_clock_.bind(3, clock.max_event_ms);
    upsert_clock_.bind(4, clock.late_records);
    if (auto status = upsert_clock_.run("store window clocks"); !status) return status;
  }
  return ok_status();
}

}  // namespace kascade
