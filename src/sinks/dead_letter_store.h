// sinks/dead_letter_store.h: a store's dead letters, read back and replayed (`kascade dlq replay`).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "core/result.h"
#include "sinks/sink.h"

namespace kascade {

// Both stores keep their dead letters beside the rows: the SQLite store in its
// `dead_letters` table, Cassandra in `<keyspace>.dead_letters`. Sink::dead_letter_store()
// gives this side of a store. Used by one thread at a time, like the sink.
class DeadLetterStore {
 public:
  virtual ~DeadLetterStore() = default;

  // Reads the dead letters of `topic`, at most `chunk` at a time, in the
  // store's order, and hands each chunk to `visit`, which may write the
  // replay of that chunk (write_replayed) before the next is read. A letter
  // written back (failed again) is not read again. Stops at the first error.
  using ChunkVisitor = std::function<Status(std::vector<DeadLetter>& chunk)>;
  virtual Status scan(std::string_view topic, size_t chunk, const ChunkVisitor& visit) = 0;

  // Stores a replay: the rows of `batch` (letters that now map; each row's
  // source is its letter, with attempts_before), its dead letters (letters
  // that failed again: each replaces its record's earlier letter, with the
  // attempts it carries, the earlier ones included), and removes the
  // `landed` letters (by topic, partition, offset). A row the table refuses
  // for good stays a dead letter, now of class "sink" with one attempt more
  // (refused_row_dead_letter), is listed in batch.refused_rows, and is not
  // removed. Offsets are not touched. A retriable error: write it again.
  virtual Status write_replayed(const SinkBatch& batch, std::span<const DeadLetter> landed) = 0;
};

}  // namespace kascade
