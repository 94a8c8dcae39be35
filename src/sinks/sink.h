// sinks/sink.h: the interface every sink implements.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/result.h"
#include "core/row.h"
#include "process/windows/window_delta.h"

namespace kascade {

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

  void clear() {
    rows.clear();
    dead_letters.clear();
    next_offsets.clear();
    input_records = 0;
    if (windows) windows->clear();
  }
};

// A store the processor writes to. Used by one thread (the sink thread).
//
// write() takes one or more batches (the processor groups what is queued, so
// a busy pipeline makes fewer, larger commits) and answers ok only when every
// row and dead letter of all of them is durably stored; an error with
// retriable=true asks the caller to try the same batches again, other errors
// stop the pipeline.
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

  // Where the rows land, for messages: "/data/store.db", "cassandra 127.0.0.1:9042 keyspace kascade".
  virtual std::string describe_self() const = 0;

  // Windowed aggregations (process/windows): creates the results table and the
  // window state tables, and returns the state checkpointed with the offsets.
  // write() then stores each batch's WindowDelta in the same transaction as its
  // rows and offsets. A sink that cannot do that atomically refuses.
  virtual Result<WindowCheckpoint> prepare_windows(const TableSchema& /*results*/) {
    return Error::make(Errc::config, "windows: " + describe_self() + " cannot checkpoint window state with its "
                                     "offsets (windowed aggregations need store.type=sqlite); set windows.enabled=off");
  }
};

}  // namespace kascade
