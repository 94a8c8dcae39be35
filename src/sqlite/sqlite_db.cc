// sqlite/sqlite_db.cc: SQLite connection, statement and transaction helpers.
#include "sqlite/sqlite_db.h"

#include <mutex>
#include <utility>

namespace kascade {
namespace {

// Process-wide SQLite settings, applied once before the first connection
// (sqlite3_config only works before SQLite initializes; if something else
// initialized it first, the calls fail harmlessly and the defaults stay).
// - MEMSTATUS off: Debian builds SQLite with memory statistics on, which takes
//   a global mutex around every allocation SQLite makes.
// - MULTITHREAD: every connection here is opened NOMUTEX and used by one
//   thread at a time, so SQLite's per-connection mutexes are never needed.
void configure_sqlite_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    (void)sqlite3_initialize();
  });
}

}  // namespace

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += (db != nullptr && sqlite3_errcode(db) == rc) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::make(Errc::unavailable, std::move(message), /*retriable=*/true);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::make(Errc::corrupt, std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return Error::make(Errc::io, std::move(message));
    case SQLITE_INTERRUPT:  // a progress handler's time limit
      return Error::make(Errc::timeout, std::move(message));
    case SQLITE_TOOBIG:
      return Error::make(Errc::too_large, std::move(message));
    case SQLITE_CONSTRAINT:
      return Error::make(Errc::invalid_argument, std::move(message));
    default:
      return Error::make(Errc::internal, std::move(message));
  }
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), use_check_(std::exchange(other.use_check_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    use_check_ = std::exchange(other.use_check_, nullptr);
  }
  return *this;
}

Result<SqliteStatement> SqliteStatement::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc =
      sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, "prepare " + std::string(sql));
  return SqliteStatement(stmt);
}

Status SqliteStatement::run(std::string_view what) {
  const int rc = step();
  reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return sqlite_error(sqlite3_db_handle(stmt_), rc, what);
  return ok_status();
}

std::string_view SqliteStatement::column_text(int index) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string_view();
}

std::string_view SqliteStatement::column_blob(int index) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string_view();
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

Status SqliteConnection::open(const std::string& path, Mode mode, int busy_timeout_ms) {
  configure_sqlite_once();
  int flags = SQLITE_OPEN_NOMUTEX;
  const bool read_only = mode == Mode::read_only || mode == Mode::read_only_snapshot;
  flags |= read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (mode == Mode::create) flags |= SQLITE_OPEN_CREATE;
  std::string name = path;
  if (mode == Mode::read_only_snapshot) {
    flags |= SQLITE_OPEN_URI;
    name = "file:";
    for (const char c : path) {  // a URI path: '%', '?' and '#' escaped
      if (c == '%' || c == '?' || c == '#') {
        constexpr const char* kHex = "0123456789ABCDEF";
        name += '%';
        name += kHex[static_cast<unsigned char>(c) >> 4];
        name += kHex[static_cast<unsigned char>(c) & 0xF];
      } else {
        name += c;
      }
    }
    name += "?immutable=1";
  }
  const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db_, rc, "open " + path);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    return e;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  return ok_status();
}

Status SqliteConnection::exec(const char* sql) {
  const ConnectionUseCheck::Scope scope(&use_check_);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  Error e = sqlite_error(nullptr, rc, sql);
  e.message = std::string(sql) + ": " + text;
  return e;
}

WriteTransaction::~WriteTransaction() {
  if (open_ && db_.in_transaction()) (void)db_.exec("ROLLBACK");
}

Status WriteTransaction::begin() {
  Status s = db_.exec("BEGIN IMMEDIATE");
  open_ = s.ok();
  return s;
}

Status WriteTransaction::commit() {
  Status s = db_.exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace kascade
