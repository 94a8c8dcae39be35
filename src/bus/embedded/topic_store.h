// bus/embedded/topic_store.h: one topic's SQLite file through one connection (schema, statements).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "bus/embedded/batch_codec.h"
#include "bus/embedded/log_options.h"
#include "core/result.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

// Owns one SQLite connection to <data_dir>/log/<topic>.db and its prepared
// statements. Not thread-safe: one thread at a time (EmbeddedLog guards its
// writer and its shared reader with mutexes; each consumer has its own).
// Every write is one transaction; reads never block writers (WAL).
class TopicStore {
 public:
  // Opens the file; with create_partitions > 0 creates it (and its
  // partitions) if missing. An existing topic keeps its partition count.
  static Result<std::unique_ptr<TopicStore>> open(const std::string& path, const EmbeddedLogOptions& options,
                                                  int32_t create_partitions);

  int32_t partitions() const { return partitions_; }
  const std::string& path() const { return path_; }

  Result<std::vector<PartitionInfo>> describe();

  // Stores the batches (offsets assigned in order, contiguous per partition)
  // and the checkpoint, all in one transaction.
  Status append(std::span<const EncodedBatch> batches, const SourceCheckpoint* checkpoint);

  // Records of one partition from `from_offset` (clamped up to the start).
  Status read(int32_t partition, int64_t from_offset, size_t max_records, size_t max_bytes, PolledBatch& out);

  // The first offset stored at or after `from` in the partition (retention
  // and quarantine leave gaps), or nullopt if no batch holds one.
  Result<std::optional<int64_t>> next_stored_offset(int32_t partition, int64_t from);

  // The batches that fail their CRC32C or header checks: each partition's
  // newest batch, or every batch. Read-only; deletes nothing.
  Result<std::vector<CorruptBatch>> verify(VerifyDepth depth);

  // Moves every corrupt batch into quarantined_batches (same file, one
  // transaction, nothing deleted); partition bytes follow, offsets stay
  // (end_offset never moves back, so no offset is ever reused).
  Result<std::vector<CorruptBatch>> quarantine();

  // Deletes the oldest whole batches beyond retention; advances start_offset.
  // Returns the number of batches deleted.
  Result<int64_t> enforce_retention(int64_t now_ms, int64_t retention_bytes, int64_t retention_ms);

  Result<OffsetMap> group_offsets(std::string_view group);
  Status commit_group(std::string_view group, const OffsetMap& next_offsets);

  struct StoredCheckpoint {
    std::string position;
    int64_t updated_ms = 0;
  };
  Result<std::optional<StoredCheckpoint>> load_checkpoint(std::string_view source);
  // Every source's checkpoint in this topic, by source name.
  Result<std::vector<std::pair<std::string, StoredCheckpoint>>> list_checkpoints();
  // Forgets a source's checkpoint (the source starts over).
  Status delete_checkpoint(std::string_view source);

  // Copies the WAL into the main file and truncates it.
  Status checkpoint_wal();

 private:
  TopicStore() = default;
  Status init(const EmbeddedLogOptions& options, int32_t create_partitions);
  Status prepare_statements();

  struct State {
    int64_t start = 0;
    int64_t end = 0;
    int64_t bytes = 0;
  };
  // The header fields of a batch row, from column `first_column` on (base,
  // last, count, max_ts, codec).
  static BatchHeader header_from(const SqliteStatement& s, int32_t partition, int first_column);
  Result<State> load_state(int32_t partition);
  // Checks one row of verify's scan (columns: rowid, payload_bytes, base, last,
  // count, max_ts, codec, crc32c, payload).
  std::optional<CorruptBatch> check_row(const SqliteStatement& s, int32_t partition) const;
  Status store_state(int32_t partition, const State& state);

  std::string path_;
  int32_t partitions_ = 0;
  SqliteConnection db_;
  SqliteStatement select_state_;
  SqliteStatement select_all_state_;
  SqliteStatement update_state_;
  SqliteStatement insert_batch_;
  SqliteStatement read_batches_;
  SqliteStatement tail_batches_;
  SqliteStatement all_batches_;
  SqliteStatement next_batch_;
  SqliteStatement oldest_batches_;
  SqliteStatement delete_batch_;
  SqliteStatement select_group_;
  SqliteStatement upsert_group_;
  SqliteStatement select_checkpoint_;
  SqliteStatement upsert_checkpoint_;
};

}  // namespace kascade
