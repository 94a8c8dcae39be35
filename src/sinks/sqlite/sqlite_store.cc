// sinks/sqlite/sqlite_store.cc: schema creation and the per-batch upsert transaction.
#include "sinks/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include "core/timestamp.h"

namespace kascade {
namespace {

const char* sql_type(ColumnType type) {
  switch (type) {
    case ColumnType::int32:
    case ColumnType::int64: return "INTEGER";
    case ColumnType::float64: return "REAL";
    case ColumnType::timestamp:  // ISO-8601 UTC text: readable, and SQLite's date functions take it
    case ColumnType::uuid:
    case ColumnType::text: return "TEXT";
  }
  return "TEXT";
}

constexpr const char* kDeadLettersSql =
    "CREATE TABLE IF NOT EXISTS dead_letters ("
    " id INTEGER PRIMARY KEY,"
    " topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,"
    " key BLOB, value BLOB,"
    " error_class TEXT NOT NULL, error_message TEXT NOT NULL,"
    " failed_at TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " UNIQUE (topic, partition, offset))";

constexpr const char* kOffsetsSql =
    "CREATE TABLE IF NOT EXISTS consumer_offsets ("
    " consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (consumer_group, topic, partition))";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteStoreOptions& options) {
  std::error_code ec;
  if (options.path.has_parent_path()) std::filesystem::create_directories(options.path.parent_path(), ec);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = fmt::format("cannot open the store {}: {}", options.path.string(),
                                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return Error::make(Errc::io, std::move(message));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db));
  sqlite3_busy_timeout(db, 10000);
  const std::string pragmas = fmt::format(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA cache_size=-{}; PRAGMA temp_store=MEMORY; "
      // Random uuid keys dirty most index pages in every transaction: checkpoint
      // the WAL into the main file every ~80 MB instead of every 4 MB.
      "PRAGMA wal_autocheckpoint=20000;",
      options.sync_full ? "FULL" : "NORMAL", options.cache_mb * 1024);
  if (auto status = store->exec(pragmas.c_str()); !status) return status.error();
  if (auto status = store->exec(kDeadLettersSql); !status) return status.error();
  if (auto status = store->exec(kOffsetsSql); !status) return status.error();
  return store;
}

SqliteStore::~SqliteStore() {
  sqlite3_finalize(upsert_row_);
  sqlite3_finalize(insert_dead_letter_);
  sqlite3_finalize(upsert_offset_);
  sqlite3_close(db_);
}

Status SqliteStore::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  Error error = Error::make(rc == SQLITE_BUSY ? Errc::unavailable : Errc::io,
                           fmt::format("store: {}", message ? message : sqlite3_errstr(rc)),
                           rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_free(message);
  return error;
}

Status SqliteStore::fail(const char* what) {
  const int rc = sqlite3_errcode(db_);
  const bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  return Error::make(busy ? Errc::unavailable : Errc::io, fmt::format("store: {}: {}", what, sqlite3_errmsg(db_)),
                     busy);
}

std::string SqliteStore::create_table_sql(const TableSchema& schema) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (", schema.name);
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const Column& column = schema.columns[i];
    const bool key = schema.is_primary_key(column.name);
    fmt::format_to(std::back_inserter(sql), "{}{} {}{}", i ? ", " : "", column.name, sql_type(column.type),
                   key ? " NOT NULL" : "");
  }
  fmt::format_to(std::back_inserter(sql), ", PRIMARY KEY ({}))", fmt::join(schema.primary_key, ", "));
  return sql;
}

Status SqliteStore::prepare(const TableSchema& schema) {
  if (auto status = exec(create_table_sql(schema).c_str()); !status) return status;
  schema_ = &schema;

  // INSERT ... ON CONFLICT DO UPDATE, where a NULL never replaces a stored value.
  std::vector<std::string> names, placeholders, updates;
  for (const Column& column : schema.columns) {
    names.push_back(column.name);
    placeholders.push_back("?");
    if (!schema.is_primary_key(column.name)) {
      updates.push_back(fmt::format("{0} = COALESCE(excluded.{0}, {0})", column.name));
    }
  }
  const std::string upsert = fmt::format("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
                                         schema.name, fmt::join(names, ", "), fmt::join(placeholders, ", "),
                                         fmt::join(schema.primary_key, ", "), fmt::join(updates, ", "));
  sqlite3_finalize(upsert_row_);
  if (sqlite3_prepare_v3(db_, upsert.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &upsert_row_, nullptr) != SQLITE_OK) {
    return fail("prepare upsert");
  }
  static constexpr const char* kInsertDeadLetter =
      "INSERT INTO dead_letters (topic, partition, offset, key, value, error_class, error_message, failed_at, "
      "attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, partition, offset) DO UPDATE SET "
      "error_class = excluded.error_class, error_message = excluded.error_message, failed_at = excluded.failed_at, "
      "attempts = dead_letters.attempts + excluded.attempts";
  static constexpr const char* kUpsertOffset =
      "INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = excluded.next_offset, "
      "updated_at = excluded.updated_at";
  if (!insert_dead_letter_ &&
      sqlite3_prepare_v3(db_, kInsertDeadLetter, -1, SQLITE_PREPARE_PERSISTENT, &insert_dead_letter_, nullptr) !=
          SQLITE_OK) {
    return fail("prepare dead-letter insert");
  }
  if (!upsert_offset_ &&
      sqlite3_prepare_v3(db_, kUpsertOffset, -1, SQLITE_PREPARE_PERSISTENT, &upsert_offset_, nullptr) != SQLITE_OK) {
    return fail("prepare offset upsert");
  }
  return ok_status();
}

Status SqliteStore::write(std::span<const SinkBatch* const> batches) {
  if (schema_ == nullptr) return Error::make(Errc::internal, "store: write before prepare");
  if (auto status = exec("BEGIN IMMEDIATE"); !status) return status;
  for (const SinkBatch* batch : batches) {
    Status status = write_rows(batch->rows);
    if (status.ok()) status = write_dead_letters(batch->dead_letters);
    if (status.ok()) status = write_offsets(*batch);
    if (!status.ok()) {
      exec("ROLLBACK").ok();
      return status;
    }
  }
  if (auto status = exec("COMMIT"); !status) {
    exec("ROLLBACK").ok();
    return status;
  }
  return ok_status();
}

Status SqliteStore::write_rows(const RowBatch& rows) {
  for (size_t r = 0; r < rows.rows(); ++r) {
    sqlite3_reset(upsert_row_);
    for (size_t c = 0; c < rows.columns(); ++c) {
      const Value& value = rows.get(r, c);
      const int index = static_cast<int>(c) + 1;
      switch (value.kind) {
        case Value::Kind::null: sqlite3_bind_null(upsert_row_, index); break;
        case Value::Kind::integer:
          if (rows.schema().columns[c].type == ColumnType::timestamp) {
            timestamp_buffer_.clear();
            append_iso8601_ms(timestamp_buffer_, value.as.integer);
            sqlite3_bind_text(upsert_row_, index, timestamp_buffer_.data(),
                              static_cast<int>(timestamp_buffer_.size()), SQLITE_TRANSIENT);
          } else {
            sqlite3_bind_int64(upsert_row_, index, value.as.integer);
          }
          break;
        case Value::Kind::real: sqlite3_bind_double(upsert_row_, index, value.as.real); break;
        case Value::Kind::text: {
          const std::string_view text = rows.text(value);
          sqlite3_bind_text(upsert_row_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
          break;
        }
      }
    }
    if (sqlite3_step(upsert_row_) != SQLITE_DONE) return fail("upsert row");
  }
  return ok_status();
}

Status SqliteStore::write_dead_letters(const std::vector<DeadLetter>& letters) {
  for (const DeadLetter& letter : letters) {
    sqlite3_stmt* s = insert_dead_letter_;
    sqlite3_reset(s);
    const std::string failed_at = format_iso8601_ms(letter.failed_at_ms);
    sqlite3_bind_text(s, 1, letter.topic.data(), static_cast<int>(letter.topic.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 2, letter.partition);
    sqlite3_bind_int64(s, 3, letter.offset);
    sqlite3_bind_blob(s, 4, letter.key.data(), static_cast<int>(letter.key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 5, letter.value.data(), static_cast<int>(letter.value.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 6, letter.error_class.data(), static_cast<int>(letter.error_class.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 7, letter.error_message.data(), static_cast<int>(letter.error_message.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(s, 8, failed_at.data(), static_cast<int>(failed_at.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 9, letter.attempts);
    if (sqlite3_step(s) != SQLITE_DONE) return fail("insert dead letter");
  }
  return ok_status();
}

Status SqliteStore::write_offsets(const SinkBatch& batch) {
  const std::string now = format_iso8601_ms(now_ms());
  for (const auto& [partition, next_offset] : batch.next_offsets) {
    sqlite3_stmt* s = upsert_offset_;
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, batch.group.data(), static_cast<int>(batch.group.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, batch.topic.data(), static_cast<int>(batch.topic.size()), SQLITE_STATIC);
    sqlite3_bind_int(s, 3, partition);
    sqlite3_bind_int64(s, 4, next_offset);
    sqlite3_bind_text(s, 5, now.data(), static_cast<int>(now.size()), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) return fail("store offsets");
  }
  return ok_status();
}

Result<OffsetMap> SqliteStore::stored_offsets(const std::string& group, const std::string& topic) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = ? AND topic = ?",
                         -1, &s, nullptr) != SQLITE_OK) {
    return fail("read offsets").error();
  }
  sqlite3_bind_text(s, 1, group.data(), static_cast<int>(group.size()), SQLITE_STATIC);
  sqlite3_bind_text(s, 2, topic.data(), static_cast<int>(topic.size()), SQLITE_STATIC);
  OffsetMap offsets;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    offsets[sqlite3_column_int(s, 0)] = sqlite3_column_int64(s, 1);
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return fail("read offsets").error();
  return offsets;
}

}  // namespace kascade
