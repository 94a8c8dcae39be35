// sinks/sink.h: the interface every sink implements.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/result.h"
#include "core/row.h"
#include "core/window_delta.h"

namespace kascade {

class DeadLetterStore;

// Where a row came from: its input record's position and original bytes, so a
// row the sink refuses becomes a dead letter like any other (class "sink").
// The views point into SinkBatch::source_buffers.
struct RowSource {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string_view key;
  std::string_view value;
  int32_t attempts_before = 0;  // a replayed dead letter's attempts so far (dlq replay); 0 for a new record
};

// What one processor step hands to a sink: rows, the dead letters of the same
// input records, and the consumer offsets this batch completes.
struct SinkBatch {
  explicit SinkBatch(const TableSchema* schema) : rows(schema) {}

  RowBatch rows;
  std::vector<DeadLetter> dead_letters;
  std::string group;
  std::string topic;
  OffsetMap next_offsets;  // partition -> next offset, after this batch
  size_t input_records = 0;
  // Window results and state changes of this batch (null when no windows run).
  std::unique_ptr<WindowDelta> windows;
  // Per row (index = row), when the producer of the batch filled it (the
  // processor and dlq replay do): where the row came from. Empty or
  // shorter than rows: the rows past its end have no known source.
  std::vector<RowSource> row_sources;
  // Keeps the polled bytes row_sources points into alive (shared, type-erased:
  // a poll's buffers, moved here, not copied). The processor frees them as soon
  // as the batch is written: while in flight they cost about the batch's input bytes.
  std::vector<std::shared_ptr<const void>> source_buffers;
  // Set by Sink::write(): the rows of this batch the sink refused for good
  // and stored as dead letters (class "sink") instead.
  mutable std::vector<size_t> refused_rows;

  size_t rows_refused() const { return refused_rows.size(); }
  const RowSource* row_source(size_t row) const { return row < row_sources.size() ? &row_sources[row] : nullptr; }
  // True if the last write refused a row made from the record at `partition`/`offset`.
  bool refused_source(int32_t partition, int64_t offset) const {
    for (size_t row : refused_rows) {
      const RowSource* source = row_source(row);
      if (source != nullptr && source->partition == partition && source->offset == offset) return true;
    }
    return false;
  }

  void clear() {
    rows.clear();
    dead_letters.clear();
    row_sources.clear();
    source_buffers.clear();
    refused_rows.clear();
    next_offsets.clear();
    input_records = 0;
    if (windows) windows->clear();
  }
};

// The dead letter (class "sink") of row `row` of `batch`, refused by the store
// for `reason`: the record's original bytes and position when the batch knows
// them, else `fallback_key` / `fallback_value` (e.g. the row as JSON) at
// partition and offset -1. Its attempts count the source's earlier ones.
inline DeadLetter refused_row_dead_letter(const SinkBatch& batch, size_t row, std::string reason, int64_t failed_at_ms,
                                          std::string_view fallback_key, std::string_view fallback_value) {
  const RowSource* source = batch.row_source(row);
  const ConsumedRecord record =
      source ? ConsumedRecord{.partition = source->partition,
                              .offset = source->offset,
                              .key = source->key,
                              .value = source->value}
             : ConsumedRecord{.partition = -1, .offset = -1, .key = fallback_key, .value = fallback_value};
  DeadLetter letter = dead_letter_of(record, batch.topic, dead_letter_class::sink, std::move(reason), failed_at_ms);
  letter.attempts += source ? source->attempts_before : 0;
  return letter;
}

// A store the processor writes to. Used by one thread at a time: the sink
// thread, or the processor thread while the sink thread is idle.
//
// write() takes one or more batches (the processor groups what is queued, so
// a busy pipeline makes fewer, larger commits) and answers ok only when every
// row and dead letter of all of them is durably stored; an error with
// retriable=true asks the caller to try the same batches again, other errors
// stop the pipeline. A row the store refuses for good, for that row alone (a
// constraint, a value the column cannot hold), does not fail the write: it is
// stored as a dead letter of class "sink" with its record's bytes and position
// (SinkBatch::row_source) and the store's reason, listed in refused_rows.
class Sink {
 public:
  virtual ~Sink() = default;

  // Creates the table (and dead-letter and offset tables) if missing.
  virtual Status prepare(const TableSchema& schema) = 0;

  virtual Status write(std::span<const SinkBatch* const> batches) = 0;

  // True if write() stores next_offsets atomically with the rows (the
  // embedded store does): then the sink, not the bus, is where a restarted
  // processor resumes, and delivery is exactly-once.
  virtual bool stores_offsets() const = 0;
  virtual Result<OffsetMap> stored_offsets(const std::string& group, const std::string& topic) = 0;

  // The dead letters this store keeps, to read back and replay (sinks/dead_letter_store.h); null if it cannot.
  virtual DeadLetterStore* dead_letter_store() { return nullptr; }

  // Where the rows land, for messages: "/data/store.db", "cassandra 127.0.0.1:9042 keyspace kascade".
  virtual std::string describe_self() const = 0;

  // Windowed aggregations (process/windows): creates the results table and the
  // window state tables, and returns the state checkpointed with the offsets.
  // write() then stores each batch's WindowDelta in the same transaction as its
  // rows and offsets. A sink that cannot do that atomically refuses.
  virtual Result<WindowCheckpoint> prepare_windows(const TableSchema& /*results*/) {
    return Error::make(Errc::config,
                       "windows: " + describe_self() +
                           " cannot checkpoint window state with its "
                           "offsets (windowed aggregations need store.type=sqlite); set windows.enabled=off");
  }
};

}  // namespace kascade
