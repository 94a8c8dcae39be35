// bus/embedded/topic_store.cc: the schema and every statement of one topic file.
#include "bus/embedded/topic_store.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "core/timestamp.h"
#include "sqlite/format_version.h"
#include "sqlite/init_lock.h"

namespace kascade {
namespace {

// Batches keep their small columns before the payload, so scans over them
// never touch the payload's overflow pages.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS topic_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
  partition INTEGER NOT NULL, base_offset INTEGER NOT NULL, last_offset INTEGER NOT NULL,
  record_count INTEGER NOT NULL, max_timestamp_ms INTEGER NOT NULL, codec INTEGER NOT NULL,
  crc32c INTEGER NOT NULL, payload_bytes INTEGER NOT NULL, payload BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS batches_by_offset ON batches(partition, last_offset);
CREATE TABLE IF NOT EXISTS partition_state(partition INTEGER PRIMARY KEY,
  start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS group_offsets(group_id TEXT NOT NULL, partition INTEGER NOT NULL,
  next_offset INTEGER NOT NULL, PRIMARY KEY(group_id, partition)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantined_batches(
  partition INTEGER NOT NULL, base_offset INTEGER NOT NULL, last_offset INTEGER NOT NULL,
  record_count INTEGER NOT NULL, max_timestamp_ms INTEGER NOT NULL, codec INTEGER NOT NULL,
  crc32c INTEGER NOT NULL, payload_bytes INTEGER NOT NULL, payload BLOB NOT NULL,
  reason TEXT NOT NULL, quarantined_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS source_checkpoints(source TEXT PRIMARY KEY, position TEXT NOT NULL,
  updated_ms INTEGER NOT NULL);
)sql";

// The layout of a topic file (PRAGMA user_version; topic_meta's 'format' row
// is the same number, written since the first format but never read).
constexpr FileFormat kTopicFormat{"embedded log topic", 1};
constexpr int kFormatVersion = kTopicFormat.supported;

Error bad_partition(int32_t partition) {
  return Error::make(Errc::invalid_argument, "no partition " + std::to_string(partition));
}

}  // namespace

BatchHeader TopicStore::header_from(const SqliteStatement& s, int32_t partition, int first_column) {
  BatchHeader h;
  h.partition = partition;
  h.base_offset = s.column_int(first_column);
  h.last_offset = s.column_int(first_column + 1);
  h.record_count = static_cast<int32_t>(s.column_int(first_column + 2));
  h.max_timestamp_ms = s.column_int(first_column + 3);
  h.codec = static_cast<BatchCodec>(s.column_int(first_column + 4));
  return h;
}

Result<std::unique_ptr<TopicStore>> TopicStore::open(const std::string& path, const EmbeddedLogOptions& options,
                                                     int32_t create_partitions) {
  std::error_code ec;
  if (create_partitions <= 0 && !std::filesystem::exists(path, ec)) {
    return Error::make(Errc::not_found, "no topic file " + path);
  }
  std::unique_ptr<TopicStore> store(new TopicStore());
  store->path_ = path;
  const SqliteInitLock init_lock(path);  // released once the file is in WAL mode with its schema
  if (Status s = store->db_.open(
          path, create_partitions > 0 ? SqliteConnection::Mode::create : SqliteConnection::Mode::read_write,
          options.busy_timeout_ms);
      !s) {
    return s;
  }
  if (Status s = store->init(options, create_partitions); !s) return s;
  return store;
}

Status TopicStore::init(const EmbeddedLogOptions& options, int32_t create_partitions) {
  // Before anything writes: a file from a newer kascade is refused untouched.
  auto format = check_format_version(db_, path_, kTopicFormat);
  if (!format) return format.status();
  // page_size only takes effect on a new, empty file, before WAL is set.
  const std::string page = "PRAGMA page_size=" + std::to_string(options.page_size);
  if (Status s = db_.exec(page.c_str()); !s) return s;
  {
    auto mode = db_.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.status();
    const int rc = mode->step();
    if (rc != SQLITE_ROW) return db_.error(rc, "journal_mode=WAL on " + path_);
    if (mode->column_text(0) != "wal") {
      return Error::make(Errc::io, path_ + ": cannot use WAL mode");
    }
  }
  const char* sync = options.sync == SyncMode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  if (Status s = db_.exec(sync); !s) return s;
  if (Status s = db_.exec("PRAGMA journal_size_limit=67108864"); !s) return s;
  // Debian's SQLite zeroes freed space by default (SECURE_DELETE): not needed here.
  if (Status s = db_.exec("PRAGMA secure_delete=OFF"); !s) return s;

  WriteTransaction tx(db_);
  if (Status s = tx.begin(); !s) return s;
  if (Status s = db_.exec(kSchema); !s) return s;
  auto meta = db_.prepare("SELECT value FROM topic_meta WHERE key='partitions'");
  if (!meta) return meta.status();
  const int rc = meta->step();
  if (rc == SQLITE_ROW) {
    partitions_ = static_cast<int32_t>(meta->column_int(0));
  } else if (rc != SQLITE_DONE) {
    return db_.error(rc, "read topic_meta of " + path_);
  } else if (create_partitions <= 0) {
    return Error::make(Errc::not_found, "topic file " + path_ + " has no partitions");
  } else {
    partitions_ = create_partitions;
    const std::string sql = "INSERT INTO topic_meta VALUES('partitions'," + std::to_string(partitions_) +
                            "),('format'," + std::to_string(kFormatVersion) + ")";
    if (Status s = db_.exec(sql.c_str()); !s) return s;
    auto insert = db_.prepare("INSERT OR IGNORE INTO partition_state VALUES(?1,0,0,0)");
    if (!insert) return insert.status();
    for (int32_t p = 0; p < partitions_; ++p) {
      insert->bind(1, p);
      if (Status s = insert->run("create partition"); !s) return s;
    }
  }
  meta = SqliteStatement();
  if (Status s = stamp_format_version(db_, *format, kTopicFormat); !s) return s;
  if (Status s = tx.commit(); !s) return s;
  return prepare_statements();
}

Status TopicStore::prepare_statements() {
  struct Entry {
    SqliteStatement* stmt;
    const char* sql;
  };
  const Entry entries[] = {
      {&select_state_, "SELECT start_offset,end_offset,bytes FROM partition_state WHERE partition=?1"},
      {&select_all_state_, "SELECT partition,start_offset,end_offset,bytes FROM partition_state ORDER BY partition"},
      {&update_state_, "UPDATE partition_state SET start_offset=?2,end_offset=?3,bytes=?4 WHERE partition=?1"},
      {&insert_batch_,
       "INSERT INTO batches(partition,base_offset,last_offset,record_count,max_timestamp_ms,"
       "codec,crc32c,payload_bytes,payload) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"},
      {&read_batches_,
       "SELECT base_offset,last_offset,record_count,max_timestamp_ms,codec,crc32c,payload "
       "FROM batches WHERE partition=?1 AND last_offset>=?2 ORDER BY last_offset"},
      {&tail_batches_,
       "SELECT rowid,payload_bytes,base_offset,last_offset,record_count,max_timestamp_ms,codec,"
       "crc32c,payload FROM batches WHERE partition=?1 ORDER BY last_offset DESC LIMIT 1"},
      {&all_batches_,
       "SELECT rowid,payload_bytes,base_offset,last_offset,record_count,max_timestamp_ms,codec,"
       "crc32c,payload FROM batches WHERE partition=?1 ORDER BY last_offset"},
      {&next_batch_,
       "SELECT base_offset FROM batches WHERE partition=?1 AND last_offset>=?2 "
       "ORDER BY last_offset LIMIT 1"},
      {&oldest_batches_,
       "SELECT rowid,last_offset,payload_bytes,max_timestamp_ms FROM batches "
       "WHERE partition=?1 ORDER BY last_offset"},
      {&delete_batch_, "DELETE FROM batches WHERE rowid=?1"},
      {&select_group_, "SELECT partition,next_offset FROM group_offsets WHERE group_id=?1"},
      {&upsert_group_,
       "INSERT INTO group_offsets VALUES(?1,?2,?3) "
       "ON CONFLICT(group_id,partition) DO UPDATE SET next_offset=excluded.next_offset"},
      {&select_checkpoint_, "SELECT position,updated_ms FROM source_checkpoints WHERE source=?1"},
      {&upsert_checkpoint_,
       "INSERT INTO source_checkpoints VALUES(?1,?2,?3) ON CONFLICT(source) DO UPDATE SET "
       "position=excluded.position,updated_ms=excluded.updated_ms"},
  };
  for (const auto& e : entries) {
    auto stmt = db_.prepare(e.sql);
    if (!stmt) return stmt.status();
    *e.stmt = std::move(*stmt);
  }
  return ok_status();
}

Result<TopicStore::State> TopicStore::load_state(int32_t partition) {
  select_state_.bind(1, partition);
  const int rc = select_state_.step();
  State st;
  if (rc == SQLITE_ROW) {
    st = {select_state_.column_int(0), select_state_.column_int(1), select_state_.column_int(2)};
  }
  select_state_.reset();
  if (rc == SQLITE_DONE) return bad_partition(partition);
  if (rc != SQLITE_ROW) return db_.error(rc, "read partition state");
  return st;
}

Status TopicStore::store_state(int32_t partition, const State& st) {
  update_state_.bind(1, partition);
  update_state_.bind(2, st.start);
  update_state_.bind(3, st.end);
  update_state_.bind(4, st.bytes);
  return update_state_.run("update partition state");
}

Result<std::vector<PartitionInfo>> TopicStore::describe() {
  std::vector<PartitionInfo> out;
  int rc;
  while ((rc = select_all_state_.step()) == SQLITE_ROW) {
    out.push_back({static_cast<int32_t>(select_all_state_.column_int(0)), select_all_state_.column_int(1),
                   select_all_state_.column_int(2), select_all_state_.column_int(3)});
  }
  select_all_state_.reset();
  if (rc != SQLITE_DONE) return db_.error(rc, "describe " + path_);
  return out;
}

Status TopicStore::append(std::span<const EncodedBatch> batches, const SourceCheckpoint* checkpoint) {
  if (batches.empty() && checkpoint == nullptr) return ok_status();
  WriteTransaction tx(db_);
  if (Status s = tx.begin(); !s) return s;
  std::vector<std::optional<State>> states(static_cast<size_t>(partitions_));
  for (const EncodedBatch& b : batches) {
    if (b.partition < 0 || b.partition >= partitions_) return bad_partition(b.partition);
    auto& st = states[static_cast<size_t>(b.partition)];
    if (!st) {
      auto loaded = load_state(b.partition);
      if (!loaded) return loaded.status();
      st = *loaded;
    }
    const BatchHeader h{b.partition,        st->end, st->end + b.record_count - 1, b.record_count,
                        b.max_timestamp_ms, b.codec};
    insert_batch_.bind(1, h.partition);
    insert_batch_.bind(2, h.base_offset);
    insert_batch_.bind(3, h.last_offset);
    insert_batch_.bind(4, h.record_count);
    insert_batch_.bind(5, h.max_timestamp_ms);
    insert_batch_.bind(6, static_cast<int64_t>(h.codec));
    insert_batch_.bind(7, batch_crc(b.payload_crc, h));
    insert_batch_.bind(8, static_cast<int64_t>(b.payload.size()));
    insert_batch_.bind_blob(9, b.payload);
    if (Status s = insert_batch_.run("insert batch"); !s) return s;
    st->end = h.last_offset + 1;
    st->bytes += static_cast<int64_t>(b.payload.size());
  }
  for (int32_t p = 0; p < partitions_; ++p) {
    if (const auto& st = states[static_cast<size_t>(p)]) {
      if (Status s = store_state(p, *st); !s) return s;
    }
  }
  if (checkpoint != nullptr) {
    upsert_checkpoint_.bind_text(1, checkpoint->source);
    upsert_checkpoint_.bind_text(2, checkpoint->position);
    upsert_checkpoint_.bind(3, now_ms());
    if (Status s = upsert_checkpoint_.run("store checkpoint"); !s) return s;
  }
  return tx.commit();
}

Status TopicStore::read(int32_t partition, int64_t from_offset, size_t max_records, size_t max_bytes,
                        PolledBatch& out) {
  if (partition < 0 || partition >= partitions_) return bad_partition(partition);
  read_batches_.bind(1, partition);
  read_batches_.bind(2, from_offset);
  DecodeBudget budget{from_offset, max_records, max_bytes};
  Status status;
  int rc = SQLITE_ROW;
  while (budget.max_records > 0 && (rc = read_batches_.step()) == SQLITE_ROW) {
    const BatchHeader h = header_from(read_batches_, partition, 0);
    const size_t before = out.records.size();
    size_t taken = 0;
    status = decode_batch(h, static_cast<uint32_t>(read_batches_.column_int(5)), read_batches_.column_blob(6), budget,
                          out, &taken);
    if (!status) {
      if (status.error().code == Errc::corrupt) {
        // The decoder's "record batch of partition P at offset B: <why>": keep <why>.
        const std::string& message = status.error().message;
        const size_t colon = message.rfind(": ");
        status = corruption_error({{path_, partition, h.base_offset, h.last_offset, h.record_count,
                                    colon == std::string::npos ? message : message.substr(colon + 2)}});
      }
      break;
    }
    budget.max_records -= out.records.size() - before;
    budget.max_bytes -= std::min(taken, budget.max_bytes);
    // A batch cut short by the budget ends the read.
    if (out.records.size() == before || out.records.back().offset != h.last_offset) break;
  }
  read_batches_.reset();
  if (!status) return status;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error(rc, "read " + path_);
  return ok_status();
}

Result<int64_t> TopicStore::enforce_retention(int64_t now_ms, int64_t retention_bytes, int64_t retention_ms) {
  if (retention_bytes < 0 && retention_ms < 0) return int64_t{0};
  WriteTransaction tx(db_);
  if (Status s = tx.begin(); !s) return s;
  int64_t deleted = 0;
  for (int32_t p = 0; p < partitions_; ++p) {
    auto st = load_state(p);
    if (!st) return st.status();
    std::vector<int64_t> rowids;
    oldest_batches_.bind(1, p);
    int rc;
    while ((rc = oldest_batches_.step()) == SQLITE_ROW) {
      const int64_t bytes = oldest_batches_.column_int(2);
      const bool too_old = retention_ms >= 0 && oldest_batches_.column_int(3) < now_ms - retention_ms;
      // Like Kafka: drop the oldest only while what stays is still >= the limit.
      const bool too_big = retention_bytes >= 0 && st->bytes - bytes >= retention_bytes;
      if (!too_old && !too_big) break;
      rowids.push_back(oldest_batches_.column_int(0));
      st->bytes -= bytes;
      st->start = oldest_batches_.column_int(1) + 1;
    }
    oldest_batches_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error(rc, "scan " + path_);
    if (rowids.empty()) continue;
    for (int64_t rowid : rowids) {
      delete_batch_.bind(1, rowid);
      if (Status s = delete_batch_.run("delete expired batch"); !s) return s;
    }
    deleted += static_cast<int64_t>(rowids.size());
    if (Status s = store_state(p, *st); !s) return s;
  }
  if (deleted == 0) return deleted;
  if (Status s = tx.commit(); !s) return s;
  return deleted;
}

Result<OffsetMap> TopicStore::group_offsets(std::string_view group) {
  OffsetMap out;
  select_group_.bind_text(1, group);
  int rc;
  while ((rc = select_group_.step()) == SQLITE_ROW) {
    out[static_cast<int32_t>(select_group_.column_int(0))] = select_group_.column_int(1);
  }
  select_group_.reset();
  if (rc != SQLITE_DONE) return db_.error(rc, "read group offsets");
  return out;
}

Status TopicStore::commit_group(std::string_view group, const OffsetMap& next_offsets) {
  WriteTransaction tx(db_);
  if (Status s = tx.begin(); !s) return s;
  for (const auto& [partition, offset] : next_offsets) {
    if (partition < 0 || partition >= partitions_) return bad_partition(partition);
    upsert_group_.bind_text(1, group);
    upsert_group_.bind(2, partition);
    upsert_group_.bind(3, offset);
    if (Status s = upsert_group_.run("commit group offset"); !s) return s;
  }
  return tx.commit();
}

Result<std::optional<TopicStore::StoredCheckpoint>> TopicStore::load_checkpoint(std::string_view source) {
  select_checkpoint_.bind_text(1, source);
  const int rc = select_checkpoint_.step();
  std::optional<StoredCheckpoint> out;
  if (rc == SQLITE_ROW) {
    out = StoredCheckpoint{std::string(select_checkpoint_.column_text(0)), select_checkpoint_.column_int(1)};
  }
  select_checkpoint_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error(rc, "read checkpoint");
  return out;
}

Result<std::vector<std::pair<std::string, TopicStore::StoredCheckpoint>>> TopicStore::list_checkpoints() {
  auto select = db_.prepare("SELECT source,position,updated_ms FROM source_checkpoints ORDER BY source");
  if (!select) return select.error();
  std::vector<std::pair<std::string, StoredCheckpoint>> out;
  int rc;
  while ((rc = select->step()) == SQLITE_ROW) {
    out.emplace_back(std::string(select->column_text(0)),
                     StoredCheckpoint{std::string(select->column_text(1)), select->column_int(2)});
  }
  if (rc != SQLITE_DONE) return db_.error(rc, "list checkpoints");
  return out;
}

Status TopicStore::delete_checkpoint(std::string_view source) {
  auto remove = db_.prepare("DELETE FROM source_checkpoints WHERE source=?1");
  if (!remove) return remove.error();
  remove->bind_text(1, source);
  return remove->run("delete checkpoint");
}

Status TopicStore::checkpoint_wal() { return db_.exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

}  // namespace kascade
