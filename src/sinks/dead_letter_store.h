// sinks/dead_letter_store.h: a store's dead letters, listed, summed up, read back and replayed (`kascade dlq`, the
// dashboard).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "core/result.h"
#include "sinks/sink.h"

namespace kascade {

// Which dead letters a listing (or a replay) takes.
struct DeadLetterFilter {
  std::string topic;                 // empty: every topic
  std::vector<std::string> classes;  // error classes; empty: every class
  size_t last = 0;                   // listings: only the `last` most recent; 0: all

  bool admits(std::string_view error_class) const {
    return classes.empty() || std::find(classes.begin(), classes.end(), error_class) != classes.end();
  }
  bool admits(const DeadLetter& letter) const {
    return (topic.empty() || letter.topic == topic) && admits(letter.error_class);
  }
};

// A letter as a listing shows it: without its record's bytes (`letter.value`
// is left empty), but with their size.
struct ListedDeadLetter {
  DeadLetter letter;
  int64_t bytes = 0;
};

// How many letters one topic holds of one error class, and the newest one's failed_at.
struct DeadLetterCount {
  std::string topic;
  std::string error_class;
  int64_t count = 0;
  int64_t latest_ms = 0;
};

struct DeadLetterSummary {
  std::vector<DeadLetterCount> counts;  // by topic, then error class
  std::vector<DeadLetter> recent;       // the newest letters, newest first, without their bytes
};

// The read side of a store's dead letters, what `kascade dlq ls` and the
// dashboard of `kascade serve` show; the store alone knows its schema.
// "Recent" is the store's own order: with SQLite the order letters were first
// stored in, with Cassandra (no order of time) their failed_at, then topic,
// partition and offset.
class DeadLetterReader {
 public:
  virtual ~DeadLetterReader() = default;

  // The letters `filter` admits (its `last` most recent, or all), oldest first.
  virtual Result<std::vector<ListedDeadLetter>> list(const DeadLetterFilter& filter) = 0;

  // The counts per topic and error class, and the `recent` newest letters.
  virtual Result<DeadLetterSummary> summary(size_t recent) = 0;
};

// Both stores keep their dead letters beside the rows: the SQLite store in its
// `dead_letters` table, Cassandra in `<keyspace>.dead_letters`. Sink::dead_letter_store()
// gives this side of a store. Used by one thread at a time, like the sink.
class DeadLetterStore : public DeadLetterReader {
 public:
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
