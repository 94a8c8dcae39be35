// sqlite/sqlite_db.h: thin RAII wrappers over one SQLite connection and its statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "sqlite/use_check.h"

namespace kascade {

// SQLite result code -> kascade Error. SQLITE_BUSY/LOCKED are retriable.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// One prepared statement. Owned by the connection's user; same thread rules.
class SqliteStatement {
 public:
  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  static Result<SqliteStatement> prepare(sqlite3* db, std::string_view sql);

  void bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind_double(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  void bind_null(int index) { sqlite3_bind_null(stmt_, index); }
  // Text that SQLite copies (for a buffer the caller reuses before step()).
  void bind_text_copy(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind_text(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  }
  void bind_blob(int index, std::string_view bytes) {
    sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  }

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() {
    const ConnectionUseCheck::Scope scope(use_check_);
    return sqlite3_step(stmt_);
  }
  // Runs a statement that returns no rows, then resets it.
  Status run(std::string_view what);
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t column_int(int index) const { return sqlite3_column_int64(stmt_, index); }
  std::string_view column_text(int index) const;
  std::string_view column_blob(int index) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  friend class SqliteConnection;
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
  ConnectionUseCheck* use_check_ = nullptr;  // its connection's, when prepared through one
};

// One SQLite connection (opened without SQLite's own mutex: its owner makes
// sure only one thread uses it at a time).
class SqliteConnection {
 public:
  SqliteConnection() = default;
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // read_only_snapshot: read-only and `immutable` (no -shm, no locks): for a file in a folder this user
  // cannot write, where a WAL database could not be opened otherwise; what only the WAL holds is not seen.
  enum class Mode { read_only, read_write, create, read_only_snapshot };
  Status open(const std::string& path, Mode mode, int busy_timeout_ms);
  Status exec(const char* sql);
  Result<SqliteStatement> prepare(std::string_view sql) {
    const ConnectionUseCheck::Scope scope(&use_check_);
    auto statement = SqliteStatement::prepare(db_, sql);
    if (statement) statement->use_check_ = &use_check_;
    return statement;
  }
  Error error(int rc, std::string_view what) const { return sqlite_error(db_, rc, what); }
  bool in_transaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  ConnectionUseCheck use_check_;
};

// BEGIN IMMEDIATE (the write lock) for the scope; rolls back unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(SqliteConnection& db) : db_(db) {}
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  Status begin();
  Status commit();

 private:
  SqliteConnection& db_;
  bool open_ = false;
};

}  // namespace kascade
