// sinks/sqlite/sqlite_store.h: the embedded store — rows, dead letters and offsets in one SQLite file.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sinks/dead_letter_store.h"
#include "sinks/sink.h"
#include "sinks/sqlite/sqlite_window_tables.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

struct SqliteStoreOptions {
  std::filesystem::path path;
  bool sync_full = false;  // synchronous=FULL (survive power loss) instead of NORMAL (survive a crash)
  int cache_mb = 64;
  int page_bytes = 65536;  // SQLite page size of a new store file
};

// The embedded sink. One SQLite transaction per write holds the rows
// (upserted by primary key), the dead letters and the consumer offsets of
// every batch in it: a write is there entirely or not at all, so a restarted
// processor resumes exactly after the last stored record (exactly-once).
//
// Nulls never overwrite stored values (they are "unset", as in Cassandra).
// Owns one connection; used by one thread (the sink thread).
class SqliteStore final : public Sink, public DeadLetterStore {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteStoreOptions& options);
  // The store at `path` opened read-only, for its dead letters alone (list,
  // summary, scan): nothing is created or changed, a writer may run beside
  // it. Errc::not_found when there is no store there yet.
  static Result<std::unique_ptr<SqliteStore>> open_read_only(const std::filesystem::path& path);

  Status prepare(const TableSchema& schema) override;
  Status write(std::span<const SinkBatch* const> batches) override;
  Status write(const SinkBatch& batch) {
    const SinkBatch* one[] = {&batch};
    return write(one);
  }
  // DeadLetterStore: the `dead_letters` table (sqlite_store_dead_letters.cc
  // reads it). write_replayed() is one transaction: the rows, the letters
  // that failed again, the removals.
  DeadLetterStore* dead_letter_store() override { return this; }
  Status scan(std::string_view topic, size_t chunk, const ChunkVisitor& visit) override;
  Result<std::vector<ListedDeadLetter>> list(const DeadLetterFilter& filter) override;
  Result<DeadLetterSummary> summary(size_t recent) override;
  Status write_replayed(const SinkBatch& batch, std::span<const DeadLetter> landed) override;
  bool stores_offsets() const override { return true; }
  Result<OffsetMap> stored_offsets(const std::string& group, const std::string& topic) override;
  std::string describe_self() const override { return path_.string(); }
  Result<WindowCheckpoint> prepare_windows(const TableSchema& results) override;

  // SQL that creates `schema` (for docs and `kascade query` users).
  static std::string create_table_sql(const TableSchema& schema);
  // Binds row `row` of `rows` to `statement`'s parameters first..first+columns-1
  // (timestamps as ISO-8601 text).
  static void bind_row(SqliteStatement& statement, const RowBatch& rows, size_t row, std::string& timestamp_buffer,
                       int first = 1);
  // Rows per upsert statement (the rest of a write goes one by one). 32 rows
  // per statement measured no better than 1 on a loaded 2-core machine (within
  // noise, ~19-22 CPU s per 1M records either way): a many-row VALUES needs a
  // statement journal, which copies every 64 KiB page the statement touches,
  // eating what the fewer VDBE runs save. Kept at 1 until measured otherwise.
  static constexpr size_t kRowsPerStatement = 1;

 private:
  SqliteStore() = default;
  Status write_rows(std::span<const SinkBatch* const> batches);
  Status refuse_row(const SinkBatch& batch, size_t row, const Error& error);  // a dead letter, or `error`
  Status write_rows_singly(std::span<const SinkBatch* const> batches, size_t first, size_t count, const Error& error);
  Status write_dead_letters(const std::vector<DeadLetter>& letters);
  Status write_offsets(const SinkBatch& batch);

  std::filesystem::path path_;
  SqliteConnection db_;
  const TableSchema* schema_ = nullptr;
  SqliteStatement upsert_row_;
  SqliteStatement upsert_rows_;          // kRowsPerStatement rows in one statement
  SqliteStatement insert_dead_letter_;   // a new letter for a record adds its attempts to the earlier ones
  SqliteStatement replace_dead_letter_;  // ... replaces them (a replay's letters carry their total)
  bool replaying_ = false;               // in write_replayed(): letters are written with replace_dead_letter_
  SqliteStatement upsert_offset_;
  std::string timestamp_buffer_;
  int key_column_ = -1;  // the single primary-key column, if there is one
  struct RowRef {
    uint32_t batch;
    uint32_t row;
  };
  std::vector<RowRef> row_order_;              // rows of the write, in key order
  std::optional<SqliteWindowTables> windows_;  // once prepare_windows() was called
};

}  // namespace kascade
