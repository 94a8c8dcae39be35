// app/sql_query.cc: one read-only SQLite statement -> ResultTable.
#include "app/sql_query.h"

#include <fmt/format.h>

#include "sqlite/sqlite_db.h"

namespace kascade {

Result<ResultTable> run_sql_query(const std::filesystem::path& database, const std::string& sql) {
  if (!std::filesystem::exists(database)) {
    return Error::make(Errc::not_found, fmt::format("no store at {} (run `kascade run` first, or pass --data-dir)",
                                                    database.string()));
  }
  SqliteConnection db;
  if (auto status = db.open(database.string(), SqliteConnection::Mode::read_only, 10000); !status) {
    return status.error();
  }
  auto statement = db.prepare(sql);
  if (!statement) {
    return Error::make(Errc::invalid_argument, fmt::format("SQL error: {}", sqlite3_errmsg(db.get())));
  }
  sqlite3_stmt* s = statement->get();
  ResultTable table;
  const int columns = sqlite3_column_count(s);
  for (int c = 0; c < columns; ++c) table.columns.emplace_back(sqlite3_column_name(s, c));
  int rc;
  while ((rc = statement->step()) == SQLITE_ROW) {
    auto& row = table.rows.emplace_back();
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(s, c)) {
        case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
        case SQLITE_INTEGER: row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(s, c))); break;
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(s, c)); break;
        default: row.emplace_back(std::string(statement->column_blob(c)));
      }
    }
  }
  if (rc != SQLITE_DONE) {
    return Error::make(Errc::invalid_argument, fmt::format("SQL error: {}", sqlite3_errmsg(db.get())));
  }
  return table;
}

}  // namespace kascade
