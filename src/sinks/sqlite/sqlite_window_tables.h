// sinks/sqlite/sqlite_window_tables.h: window results and checkpointed window state in the embedded store.
#pragma once

#include <string>

#include "core/result.h"
#include "core/row.h"
#include "core/window_delta.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

// The tables of one windowed aggregation in the store file:
//   <results table>    upserted by (group-by columns, window_start)
//   window_state       (aggregation, window_start, group_key) -> state: the open windows' groups
//   window_clocks      (aggregation, partition) -> max event time, late records
// SqliteStore writes a batch's WindowDelta through apply() inside the
// transaction that holds the batch's rows and offsets. Used by the sink thread.
class SqliteWindowTables {
 public:
  // Creates the tables if missing and prepares the statements.
  static Result<SqliteWindowTables> open(SqliteConnection& db, const TableSchema& results);

  Result<WindowCheckpoint> load();
  // Within the caller's transaction.
  Status apply(const WindowDelta& delta);

 private:
  SqliteWindowTables() = default;

  std::string name_;
  SqliteStatement upsert_result_;
  SqliteStatement delete_window_;
  SqliteStatement upsert_state_;
  SqliteStatement upsert_clock_;
  SqliteStatement select_states_;
  SqliteStatement select_clocks_;
  std::string timestamp_buffer_;
};

}  // namespace kascade
