// app/sql_query.cc: one read-only SQLite statement -> ResultTable.
#include "app/sql_query.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

#include "sqlite/sqlite_db.h"

namespace kascade {
namespace {

// Pragmas that only read: those that take a table or index name, and those that take nothing.
constexpr std::array<std::string_view, 6> kPragmasOfATable = {"table_info", "table_xinfo", "index_list",
                                                              "index_info", "index_xinfo", "foreign_key_list"};
constexpr std::array<std::string_view, 8> kPragmasOfTheStore = {"table_list",  "database_list",  "page_count",
                                                                "page_size",   "freelist_count", "integrity_check",
                                                                "quick_check", "compile_options"};

template <size_t N>
bool listed(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool allowed(int action, const char* arg1, const char* arg2) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
      return true;
    case SQLITE_PRAGMA: {
      const std::string_view name(arg1 != nullptr ? arg1 : "");
      return listed(kPragmasOfATable, name) || (arg2 == nullptr && listed(kPragmasOfTheStore, name));
    }
    default:
      return false;
  }
}

// The authorizer: reads only. Every other action (writes, schema changes,
// ATTACH/DETACH, transactions, a pragma that sets) is refused when the
// statement compiles; `denied` (a bool) remembers it, whatever code SQLite
// then returns (SQLITE_AUTH, or SQLITE_SCHEMA for a CREATE).
int authorize(void* denied, int action, const char* arg1, const char* arg2, const char*, const char*) {
  if (allowed(action, arg1, arg2)) return SQLITE_OK;
  *static_cast<bool*>(denied) = true;
  return SQLITE_DENY;
}

struct Deadline {
  std::chrono::steady_clock::time_point at;
};

// Called every few thousand VM steps: nonzero interrupts the statement.
int past_deadline(void* deadline) {
  return std::chrono::steady_clock::now() >= static_cast<Deadline*>(deadline)->at ? 1 : 0;
}

bool only_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';'; });
}

Error statement_error(sqlite3* db) {
  return Error::make(Errc::invalid_argument, fmt::format("SQL error: {}", sqlite3_errmsg(db)));
}

Result<ResultTable> query_store(const std::filesystem::path& database, const std::string& sql,
                                std::chrono::milliseconds timeout, SqliteConnection::Mode mode);

Error refused() {
  return Error::make(Errc::invalid_argument,
                     "SQL error: refused: kascade query is readonly (it only reads: no writes, ATTACH, VACUUM or "
                     "PRAGMA that sets)");
}

}  // namespace

Result<ResultTable> run_sql_query(const std::filesystem::path& database, const std::string& sql,
                                  std::chrono::milliseconds timeout) {
  std::error_code error;
  if (!std::filesystem::exists(database, error)) {
    if (error) return Error::make(Errc::io, fmt::format("cannot read {}: {}", database.string(), error.message()));
    return Error::make(Errc::not_found,
                       fmt::format("no store at {} (run `kascade run` first, or pass --data-dir)", database.string()));
  }
  auto table = query_store(database, sql, timeout, SqliteConnection::Mode::read_only);
  // A WAL store in a folder this user cannot write (no -shm can be made): read it as a snapshot.
  const std::string folder = database.parent_path().empty() ? "." : database.parent_path().string();
  if (!table && table.error().code != Errc::invalid_argument && table.error().code != Errc::timeout &&
      ::access(folder.c_str(), W_OK) != 0) {
    return query_store(database, sql, timeout, SqliteConnection::Mode::read_only_snapshot);
  }
  return table;
}

namespace {

Result<ResultTable> query_store(const std::filesystem::path& database, const std::string& sql,
                                std::chrono::milliseconds timeout, SqliteConnection::Mode mode) {
  SqliteConnection db;
  if (auto status = db.open(database.string(), mode, 10000); !status) {
    return status.error();
  }
  if (auto status = db.exec("PRAGMA query_only = 1"); !status) return status.error();
  bool denied = false;
  sqlite3_set_authorizer(db.get(), authorize, &denied);
  Deadline deadline{std::chrono::steady_clock::now() + timeout};
  if (timeout.count() > 0) sqlite3_progress_handler(db.get(), 1000, past_deadline, &deadline);

  // Compiled once raw, for SQLite's own code and the text after the statement.
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int prepared = sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, &tail);
  const bool more = prepared == SQLITE_OK && tail != nullptr && !only_blank(std::string_view(tail));
  sqlite3_finalize(raw);
  if (denied) return refused();
  if ((prepared & 0xff) == SQLITE_ERROR) return statement_error(db.get());
  if (prepared != SQLITE_OK) return db.error(prepared, "read the store");
  if (more) return Error::make(Errc::invalid_argument, "SQL error: one statement at a time");
  auto compiled = db.prepare(sql);
  if (!compiled) return compiled.error();
  // VACUUM (INTO) asks the authorizer nothing; SQLite knows it writes.
  if (!sqlite3_stmt_readonly(compiled->get())) return refused();
  sqlite3_stmt* s = compiled->get();
  ResultTable table;
  const int columns = sqlite3_column_count(s);
  for (int c = 0; c < columns; ++c) table.columns.emplace_back(sqlite3_column_name(s, c));
  int rc;
  while ((rc = compiled->step()) == SQLITE_ROW) {
    auto& row = table.rows.emplace_back();
    row.reserve(static_cast<size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(s, c)) {
        case SQLITE_NULL:
          row.emplace_back(std::monostate{});
          break;
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(s, c)));
          break;
        case SQLITE_FLOAT:
          row.emplace_back(sqlite3_column_double(s, c));
          break;
        default:
          row.emplace_back(std::string(compiled->column_blob(c)));
      }
    }
  }
  if (rc == SQLITE_INTERRUPT) {
    return Error::make(Errc::timeout,
                       fmt::format("the query ran longer than {} ms (--timeout) and was stopped", timeout.count()));
  }
  if (rc != SQLITE_DONE) return db.error(rc, "read the store");
  return table;
}

}  // namespace
}  // namespace kascade
