// sources/source.h: the interface every source implements.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/result.h"

namespace kascade {

// A record a source could not make carries the header kSourceErrorHeader
// (core/dead_letter.h, value "class: reason"); the processor sends such
// records straight to the dead letters.

// Records a source produced, with the source position just after them. The
// runner hands both to the bus in one call, so that (on the embedded bus)
// the position is stored atomically with the records: a restart resumes at
// exactly the first record the bus does not have.
struct SourceBatch {
  std::vector<Record> records;
  std::string position;    // opaque to everyone but the source
  bool exhausted = false;  // a bounded source has nothing more to give
};

// How the fetches of a source that fetches (an HTTP API) have gone so far.
// The runner reports failed attempts as they happen and fails a run in
// which the source never fetched successfully, or whose circuit is open at the end.
struct SourceHealth {
  uint64_t successes = 0;    // usable responses
  uint64_t failures = 0;     // failed attempts (timeouts, refused, 5xx, malformed bodies, ...)
  std::string last_failure;  // the last failed attempt's reason (never a credential)
  bool circuit_open = false;
};

// A source of records (the generator, a REST API, ...). Used by one thread.
class Source {
 public:
  virtual ~Source() = default;

  // The name under which the source's position is checkpointed.
  virtual std::string_view name() const = 0;

  // Continues after a position previously returned in a SourceBatch
  // (nullopt: from the start). Fails with Errc::corrupt on a position
  // this source cannot have written.
  virtual Status resume(const std::optional<std::string>& position) = 0;

  // Up to max_records records. An empty, non-exhausted batch means "nothing
  // right now" (the caller may wait and ask again).
  virtual Result<SourceBatch> next_batch(size_t max_records) = 0;

  // nullopt for a source that fetches nothing (the generator).
  virtual std::optional<SourceHealth> health() const { return std::nullopt; }
};

}  // namespace kascade
