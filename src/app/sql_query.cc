// app/sql_query.cc: one read-only SQLite statement -> ResultTable.
#include "app/sql_query.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace kascade {

Result<ResultTable> run_sql_query(const std::filesystem::path& database, const std::string& sql) {
  if (!std::filesystem::exists(database)) {
    return Error::make(Errc::not_found, fmt::format("no store at {} (run `kascade run` first, or pass --data-dir)",
                                                    database.string()));
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(database.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = fmt::format("cannot open {}: {}", database.string(), sqlite3_errmsg(db));
    sqlite3_close(db);
    return Error::make(Errc::io, std::move(message));
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &statement, &tail) != SQLITE_OK) {
    std::string message = fmt::format("SQL error: {}", sqlite3_errmsg(db));
    sqlite3_close(db);
    return Error::make(Errc::invalid_argument, std::move(message));
  }
  ResultTable table;
  const int columns = sqlite3_column_count(statement);
  for (int c = 0; c < columns; ++c) table.columns.emplace_back(sqlite3_column_name(statement, c));
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    auto& row = table.rows.emplace_back();
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(statement, c)) {
        case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(statement, c))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(statement, c)); break;
        default: {
          const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, c));
          row.emplace_back(std::string(bytes ? bytes : "", static_cast<size_t>(sqlite3_column_bytes(statement, c))));
        }
      }
    }
  }
  Status status;
  if (rc != SQLITE_DONE) status = Error::make(Errc::invalid_argument, fmt::format("SQL error: {}", sqlite3_errmsg(db)));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  if (!status) return status.error();
  return table;
}

}  // namespace kascade
