// bus/embedded/topic_store_verify.cc: a topic file's batch verification, quarantine and gaps.
#include <algorithm>

#include "bus/embedded/crc32c.h"
#include "bus/embedded/topic_store.h"
#include "core/timestamp.h"

namespace kascade {

Result<std::optional<int64_t>> TopicStore::next_stored_offset(int32_t partition, int64_t from) {
  next_batch_.bind(1, partition);
  next_batch_.bind(2, from);
  const int rc = next_batch_.step();
  std::optional<int64_t> out;
  if (rc == SQLITE_ROW) out = std::max(from, next_batch_.column_int(0));
  next_batch_.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_.error(rc, "read " + path_);
  return out;
}

std::optional<CorruptBatch> TopicStore::check_row(const SqliteStatement& s, int32_t partition) const {
  const BatchHeader h = header_from(s, partition, 2);
  const std::string_view payload = s.column_blob(8);
  const auto stored = static_cast<uint32_t>(s.column_int(7));
  const char* reason = nullptr;
  if (batch_crc(crc32c(payload), h) != stored) {
    reason = "CRC32C mismatch";
  } else if (h.record_count <= 0 || h.last_offset - h.base_offset + 1 != h.record_count) {
    reason = "inconsistent offsets";
  } else if (static_cast<int64_t>(payload.size()) != s.column_int(1)) {
    reason = "payload size differs from payload_bytes";
  }
  if (reason == nullptr) return std::nullopt;
  return CorruptBatch{path_, partition, h.base_offset, h.last_offset, h.record_count, reason};
}

Result<std::vector<CorruptBatch>> TopicStore::verify(VerifyDepth depth) {
  std::vector<CorruptBatch> out;
  SqliteStatement& scan = depth == VerifyDepth::newest ? tail_batches_ : all_batches_;
  // One read transaction: every partition is checked in the same snapshot.
  if (Status s = db_.exec("BEGIN"); !s) return s;
  int rc = SQLITE_DONE;
  for (int32_t p = 0; p < partitions_ && (rc == SQLITE_DONE); ++p) {
    scan.bind(1, p);
    while ((rc = scan.step()) == SQLITE_ROW) {
      if (auto bad = check_row(scan, p)) out.push_back(std::move(*bad));
    }
    scan.reset();
  }
  (void)db_.exec("COMMIT");
  if (rc != SQLITE_DONE) return db_.error(rc, "verify " + path_);
  return out;
}

Result<std::vector<CorruptBatch>> TopicStore::quarantine() {
  WriteTransaction tx(db_);
  if (Status s = tx.begin(); !s) return s;
  std::vector<CorruptBatch> moved;
  auto copy = db_.prepare(
      "INSERT INTO quarantined_batches SELECT partition,base_offset,last_offset,record_count,"
      "max_timestamp_ms,codec,crc32c,payload_bytes,payload,?2,?3 FROM batches WHERE rowid=?1");
  if (!copy) return copy.status();
  for (int32_t p = 0; p < partitions_; ++p) {
    struct Bad {
      int64_t rowid;
      int64_t bytes;
      CorruptBatch batch;
    };
    std::vector<Bad> bad;
    all_batches_.bind(1, p);
    int rc;
    while ((rc = all_batches_.step()) == SQLITE_ROW) {
      if (auto b = check_row(all_batches_, p)) {
        bad.push_back({all_batches_.column_int(0), all_batches_.column_int(1), std::move(*b)});
      }
    }
    all_batches_.reset();
    if (rc != SQLITE_DONE) return db_.error(rc, "verify " + path_);
    if (bad.empty()) continue;
    auto st = load_state(p);
    if (!st) return st.status();
    for (Bad& b : bad) {
      copy->bind(1, b.rowid);
      copy->bind_text(2, b.batch.reason);
      copy->bind(3, now_ms());
      if (Status s = copy->run("quarantine batch"); !s) return s;
      delete_batch_.bind(1, b.rowid);
      if (Status s = delete_batch_.run("quarantine batch"); !s) return s;
      st->bytes -= b.bytes;
      moved.push_back(std::move(b.batch));
    }
    if (Status s = store_state(p, *st); !s) return s;
  }
  copy = SqliteStatement();
  if (moved.empty()) return moved;  // nothing written: the guard rolls back
  if (Status s = tx.commit(); !s) return s;
  return moved;
}

}  // namespace kascade
