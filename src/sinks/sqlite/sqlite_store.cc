// sinks/sqlite/sqlite_store.cc: schema creation and the per-write upsert transaction.
#include "sinks/sqlite/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/timestamp.h"
#include "sqlite/format_version.h"
#include "sqlite/init_lock.h"

namespace kascade {
namespace {

const char* sql_type(ColumnType type) {
  switch (type) {
    case ColumnType::int32:
    case ColumnType::int64:
      return "INTEGER";
    case ColumnType::float64:
      return "REAL";
    case ColumnType::timestamp:  // ISO-8601 UTC text: readable, and SQLite's date functions take it
    case ColumnType::uuid:
    case ColumnType::text:
      return "TEXT";
  }
  return "TEXT";
}

constexpr const char* kCreateSideTables =
    "CREATE TABLE IF NOT EXISTS dead_letters ("
    " id INTEGER PRIMARY KEY,"
    " topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,"
    " key BLOB, value BLOB,"
    " error_class TEXT NOT NULL, error_message TEXT NOT NULL,"
    " failed_at TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " UNIQUE (topic, partition, offset));"
    "CREATE TABLE IF NOT EXISTS consumer_offsets ("
    " consumer_group TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (consumer_group, topic, partition));";

constexpr const char* kInsertDeadLetter =
    "INSERT INTO dead_letters (topic, partition, offset, key, value, error_class, error_message, failed_at, "
    "attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, partition, offset) DO UPDATE SET "
    "error_class = excluded.error_class, error_message = excluded.error_message, failed_at = excluded.failed_at, "
    "attempts = dead_letters.attempts + excluded.attempts";

// A replayed letter that failed again replaces its earlier letter; it carries the attempts in total.
constexpr const char* kReplaceDeadLetter =
    "INSERT INTO dead_letters (topic, partition, offset, key, value, error_class, error_message, failed_at, "
    "attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, partition, offset) DO UPDATE SET "
    "error_class = excluded.error_class, error_message = excluded.error_message, failed_at = excluded.failed_at, "
    "attempts = excluded.attempts";

constexpr const char* kUpsertOffset =
    "INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = excluded.next_offset, "
    "updated_at = excluded.updated_at";

// The layout of the store's own tables (dead_letters, consumer_offsets, the
// window tables) in PRAGMA user_version; the rows' table follows the config.
constexpr FileFormat kStoreFormat{"store", 1};

Status with_context(Status status) {
  if (status.ok()) return status;
  Error error = status.error();
  error.message = "store: " + error.message;
  return error;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteStoreOptions& options) {
  std::error_code ec;
  if (options.path.has_parent_path()) std::filesystem::create_directories(options.path.parent_path(), ec);
  const SqliteInitLock init_lock(options.path.string());
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->path_ = options.path;
  if (auto status = store->db_.open(options.path.string(), SqliteConnection::Mode::create, 10000); !status) {
    return with_context(status).error();
  }
  // Before anything writes: a store from a newer kascade is refused untouched.
  auto format = check_format_version(store->db_, options.path.string(), kStoreFormat);
  if (!format) return format.error();
  // The page size only takes effect on a new file (before WAL mode is set).
  // Large pages: fewer B-tree levels and page splits for random uuid keys
  // (sqlite_ceiling_bench: 11.0 us of CPU per row at 4 KiB, 8.1 at 64 KiB).
  const std::string pragmas = fmt::format(
      "PRAGMA page_size={}; PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA cache_size=-{}; PRAGMA "
      "temp_store=MEMORY; "
      // Random uuid keys dirty most index pages in every transaction: checkpoint
      // the WAL into the main file every ~80 MB instead of every 4 MB.
      "PRAGMA wal_autocheckpoint={}; "
      // Debian builds SQLite with SECURE_DELETE on, zeroing the space of every
      // cell moved or freed (page splits here): privacy we do not need.
      "PRAGMA secure_delete=OFF;",
      options.page_bytes, options.sync_full ? "FULL" : "NORMAL", options.cache_mb * 1024,
      (80 << 20) / options.page_bytes);
  if (auto status = store->db_.exec(pragmas.c_str()); !status) return with_context(status).error();
  if (auto status = store->db_.exec(kCreateSideTables); !status) return with_context(status).error();
  if (auto status = stamp_format_version(store->db_, *format, kStoreFormat); !status) {
    return with_context(status).error();
  }
  auto dead_letter = store->db_.prepare(kInsertDeadLetter);
  auto replace_dead_letter = store->db_.prepare(kReplaceDeadLetter);
  auto offset = store->db_.prepare(kUpsertOffset);
  for (const Status& status : {dead_letter.status(), replace_dead_letter.status(), offset.status()}) {
    if (!status) return with_context(status).error();
  }
  store->insert_dead_letter_ = std::move(*dead_letter);
  store->replace_dead_letter_ = std::move(*replace_dead_letter);
  store->upsert_offset_ = std::move(*offset);
  return store;
}

std::string SqliteStore::create_table_sql(const TableSchema& schema) {
  std::string sql = fmt::format("CREATE TABLE IF NOT EXISTS {} (", schema.name);
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    const Column& column = schema.columns[i];
    fmt::format_to(std::back_inserter(sql), "{}{} {}{}", i ? ", " : "", column.name, sql_type(column.type),
                   schema.is_primary_key(column.name) ? " NOT NULL" : "");
  }
  fmt::format_to(std::back_inserter(sql), ", PRIMARY KEY ({}))", fmt::join(schema.primary_key, ", "));
  return sql;
}

Status SqliteStore::prepare(const TableSchema& schema) {
  if (auto status = db_.exec(create_table_sql(schema).c_str()); !status) return with_context(status);
  // INSERT ... ON CONFLICT DO UPDATE, where a NULL never replaces a stored value.
  std::vector<std::string> names, placeholders, updates;
  for (const Column& column : schema.columns) {
    names.push_back(column.name);
    placeholders.push_back("?");
    if (!schema.is_primary_key(column.name)) {
      updates.push_back(fmt::format("{0} = COALESCE(excluded.{0}, {0})", column.name));
    }
  }
  auto upsert_sql = [&](size_t rows) {
    const std::string one = fmt::format("({})", fmt::join(placeholders, ", "));
    std::string values = one;
    for (size_t r = 1; r < rows; ++r) (values += ", ") += one;
    return fmt::format("INSERT INTO {} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}", schema.name,
                       fmt::join(names, ", "), values, fmt::join(schema.primary_key, ", "), fmt::join(updates, ", "));
  };
  auto upsert = db_.prepare(upsert_sql(1));
  if (!upsert) return with_context(upsert.status());
  upsert_row_ = std::move(*upsert);
  // kRowsPerStatement rows per statement (see the header for why it is 1):
  // rows of one statement are inserted in order, and a key that repeats
  // inside it updates the row inserted before, as separate statements would.
  auto upsert_many = db_.prepare(upsert_sql(kRowsPerStatement));
  if (!upsert_many) return with_context(upsert_many.status());
  upsert_rows_ = std::move(*upsert_many);
  schema_ = &schema;
  key_column_ = schema.primary_key.size() == 1 ? schema.column_index(schema.primary_key[0]) : -1;
  return ok_status();
}

Status SqliteStore::write(std::span<const SinkBatch* const> batches) {
  if (schema_ == nullptr) return Error::make(Errc::internal, "store: write before prepare");
  WriteTransaction transaction(db_);
  if (auto status = transaction.begin(); !status) return with_context(status);
  for (const SinkBatch* batch : batches) batch->refused_rows.clear();
  if (auto status = write_rows(batches); !status) return with_context(status);
  for (const SinkBatch* batch : batches) {
    if (auto status = write_dead_letters(batch->dead_letters); !status) return with_context(status);
    if (auto status = write_offsets(*batch); !status) return with_context(status);
    if (batch->windows && !batch->windows->empty()) {
      if (!windows_) return Error::make(Errc::internal, "store: window changes before prepare_windows");
      if (auto status = windows_->apply(*batch->windows); !status) return with_context(status);
    }
  }
  return with_context(transaction.commit());
}

Status SqliteStore::write_replayed(const SinkBatch& batch, std::span<const DeadLetter> landed) {
  if (schema_ == nullptr) return Error::make(Errc::internal, "store: write before prepare");
  WriteTransaction transaction(db_);
  if (auto status = transaction.begin(); !status) return with_context(status);
  const SinkBatch* const batches[] = {&batch};
  batch.refused_rows.clear();
  replaying_ = true;  // letters written now replace their earlier ones (write_dead_letters)
  Status written = write_rows(batches);
  if (written) written = write_dead_letters(batch.dead_letters);
  replaying_ = false;
  if (!written) return with_context(written);
  auto remove = db_.prepare("DELETE FROM dead_letters WHERE topic = ? AND partition = ? AND offset = ?");
  if (!remove) return with_context(remove.status());
  for (const DeadLetter& letter : landed) {
    // A refused row's dead letter was just updated (class sink, attempts + 1): it stays.
    if (letter.topic == batch.topic && batch.refused_source(letter.partition, letter.offset)) continue;
    remove->bind_text(1, letter.topic);
    remove->bind(2, letter.partition);
    remove->bind(3, letter.offset);
    if (auto status = remove->run("remove a replayed dead letter"); !status) return with_context(status);
  }
  return with_context(transaction.commit());
}

Status SqliteStore::write_rows(std::span<const SinkBatch* const> batches) {
  // Upsert the rows of all batches in key order: neighbouring keys share
  // B-tree pages, so each insert finds its page already in cache (random
  // uuids otherwise jump across the whole index). Within one write a key
  // appears once per batch at most in practice; if it repeats, the later
  // batch's row is written last, as the sort is stable.
  row_order_.clear();
  for (uint32_t b = 0; b < batches.size(); ++b) {
    for (uint32_t r = 0; r < batches[b]->rows.rows(); ++r) row_order_.push_back({b, r});
  }
  if (key_column_ >= 0) {
    const size_t key = static_cast<size_t>(key_column_);
    std::stable_sort(row_order_.begin(), row_order_.end(), [&](const RowRef& a, const RowRef& b) {
      const RowBatch& ra = batches[a.batch]->rows;
      const RowBatch& rb = batches[b.batch]->rows;
      const Value& va = ra.get(a.row, key);
      const Value& vb = rb.get(b.row, key);
      if (va.kind != Value::Kind::text || vb.kind != Value::Kind::text) return va.kind < vb.kind;
      return ra.text(va) < rb.text(vb);
    });
  }
  // Every parameter is bound for every row, so no clear_bindings between runs.
  auto run = [&](SqliteStatement& statement) -> Status {
    const int rc = statement.step();
    sqlite3_reset(statement.get());
    if (rc != SQLITE_DONE) return db_.error(rc, "upsert rows");
    return ok_status();
  };
  const size_t columns = schema_->columns.size();
  size_t i = 0;
  for (; i + kRowsPerStatement <= row_order_.size(); i += kRowsPerStatement) {
    for (size_t k = 0; k < kRowsPerStatement; ++k) {
      const RowRef& ref = row_order_[i + k];
      bind_row(upsert_rows_, batches[ref.batch]->rows, ref.row, timestamp_buffer_, static_cast<int>(k * columns) + 1);
    }
    if (auto status = run(upsert_rows_); !status) {  // a row refused? then these rows one by one (refuse_row)
      if (auto isolated = write_rows_singly(batches, i, kRowsPerStatement, status.error()); !isolated) return isolated;
    }
  }
  for (; i < row_order_.size(); ++i) {
    const RowRef& ref = row_order_[i];
    bind_row(upsert_row_, batches[ref.batch]->rows, ref.row, timestamp_buffer_);
    if (auto status = run(upsert_row_); !status) {
      if (auto refused = refuse_row(*batches[ref.batch], ref.row, status.error()); !refused) return refused;
    }
  }
  return ok_status();
}

void SqliteStore::bind_row(SqliteStatement& statement, const RowBatch& rows, size_t r, std::string& timestamp_buffer,
                           int first) {
  for (size_t c = 0; c < rows.columns(); ++c) {
    const Value& value = rows.get(r, c);
    const int index = static_cast<int>(c) + first;
    switch (value.kind) {
      case Value::Kind::null:
        statement.bind_null(index);
        break;
      case Value::Kind::integer:
        if (rows.schema().columns[c].type == ColumnType::timestamp) {
          timestamp_buffer.clear();
          append_iso8601_ms(timestamp_buffer, value.as.integer);
          statement.bind_text_copy(index, timestamp_buffer);
        } else {
          statement.bind(index, value.as.integer);
        }
        break;
      case Value::Kind::real:
        statement.bind_double(index, value.as.real);
        break;
      case Value::Kind::text:
        statement.bind_text(index, rows.text(value));
        break;
    }
  }
}

// A row SQLite refused (only the failing statement was rolled back; the
// transaction goes on): a constraint of the user's table (CHECK, NOT NULL,
// UNIQUE, STRICT types) or a value over SQLite's limits is about this row
// only, so it becomes a dead letter of class "sink" in the same transaction,
// with its record's bytes and position (for dlq replay: the dead letter's own,
// which the upsert updates, attempts + 1). Any other error, or a row of
// unknown source, fails the write as before.
Status SqliteStore::refuse_row(const SinkBatch& batch, size_t row, const Error& error) {
  const bool about_this_row = error.code == Errc::invalid_argument || error.code == Errc::too_large;
  const RowSource* source = batch.row_source(row);
  if (!about_this_row || source == nullptr) return error;
  const std::vector<DeadLetter> letter = {
      refused_row_dead_letter(batch, row, "store refused the row: " + error.message, now_ms(), {}, {})};
  if (auto status = write_dead_letters(letter); !status) return status;
  batch.refused_rows.push_back(row);
  return ok_status();
}

// A many-row upsert failed with `error`, rolling back all its rows: if a row
// may be to blame, writes them one statement each, refusing the bad ones.
Status SqliteStore::write_rows_singly(std::span<const SinkBatch* const> batches, size_t first, size_t count,
                                      const Error& error) {
  if (error.code != Errc::invalid_argument && error.code != Errc::too_large) return error;
  for (size_t i = first; i < first + count; ++i) {
    const RowRef& ref = row_order_[i];
    bind_row(upsert_row_, batches[ref.batch]->rows, ref.row, timestamp_buffer_);
    const int rc = upsert_row_.step();
    sqlite3_reset(upsert_row_.get());
    if (rc == SQLITE_DONE) continue;
    if (auto refused = refuse_row(*batches[ref.batch], ref.row, db_.error(rc, "upsert row")); !refused) return refused;
  }
  return ok_status();
}

Result<WindowCheckpoint> SqliteStore::prepare_windows(const TableSchema& results) {
  auto tables = SqliteWindowTables::open(db_, results);
  if (!tables) return with_context(tables.status()).error();
  windows_.emplace(std::move(*tables));
  auto checkpoint = windows_->load();
  if (!checkpoint) return with_context(checkpoint.status()).error();
  return checkpoint;
}

Status SqliteStore::write_dead_letters(const std::vector<DeadLetter>& letters) {
  for (const DeadLetter& letter : letters) {
    SqliteStatement& s = replaying_ ? replace_dead_letter_ : insert_dead_letter_;
    const std::string failed_at = format_iso8601_ms(letter.failed_at_ms);
    s.bind_text(1, letter.topic);
    s.bind(2, letter.partition);
    s.bind(3, letter.offset);
    s.bind_blob(4, letter.key);
    s.bind_blob(5, letter.value);
    s.bind_text(6, letter.error_class);
    s.bind_text(7, letter.error_message);
    s.bind_text(8, failed_at);
    s.bind(9, letter.attempts);
    if (auto status = s.run("insert dead letter"); !status) return status;
  }
  return ok_status();
}

Status SqliteStore::write_offsets(const SinkBatch& batch) {
  const std::string now = format_iso8601_ms(now_ms());
  for (const auto& [partition, next_offset] : batch.next_offsets) {
    SqliteStatement& s = upsert_offset_;
    s.bind_text(1, batch.group);
    s.bind_text(2, batch.topic);
    s.bind(3, partition);
    s.bind(4, next_offset);
    s.bind_text(5, now);
    if (auto status = s.run("store offsets"); !status) return status;
  }
  return ok_status();
}

Result<OffsetMap> SqliteStore::stored_offsets(const std::string& group, const std::string& topic) {
  auto select =
      db_.prepare("SELECT partition, next_offset FROM consumer_offsets WHERE consumer_group = ? AND topic = ?");
  if (!select) return with_context(select.status()).error();
  select->bind_text(1, group);
  select->bind_text(2, topic);
  OffsetMap offsets;
  int rc;
  while ((rc = select->step()) == SQLITE_ROW) {
    offsets[static_cast<int32_t>(select->column_int(0))] = select->column_int(1);
  }
  if (rc != SQLITE_DONE) return with_context(db_.error(rc, "read offsets")).error();
  return offsets;
}

}  // namespace kascade
