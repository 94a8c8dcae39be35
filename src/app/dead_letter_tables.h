// app/dead_letter_tables.h: the store's dead letters as tables, for `kascade dlq ls` and the dashboard of `kascade
// serve`.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "app/tabular_output.h"
#include "config/config.h"
#include "sinks/dead_letter_store.h"

namespace kascade {

// The configured store's dead letters (its DeadLetterReader) as tables: with
// SQLite, the store file opened read-only at each call; with Cassandra,
// `<keyspace>.dead_letters` through a session of its own, connected at the
// first call and kept. After a failure to reach Cassandra, the same error is
// answered for kRetryAfter without trying again: the dashboard asks every
// two seconds, and each try could wait for a connect or request timeout.
// One caller at a time.
class DeadLetterTables {
 public:
  explicit DeadLetterTables(const Config& config);
  ~DeadLetterTables();
  DeadLetterTables(const DeadLetterTables&) = delete;
  DeadLetterTables& operator=(const DeadLetterTables&) = delete;

  // The letters `filter` admits, oldest first: topic, partition, offset,
  // error_class, error_message, failed_at, attempts, bytes (the record's
  // size). Errc::not_found when the SQLite store does not exist yet.
  Result<ResultTable> list(const DeadLetterFilter& filter = {});

  // Per error class (most letters first): error_class, count, latest
  // (failed_at); and the `recent` newest letters: topic, partition, offset,
  // error_class, error_message, failed_at, attempts. Empty tables when the
  // SQLite store does not exist yet.
  struct Summary {
    ResultTable by_class;
    ResultTable recent;
  };
  Result<Summary> summary(size_t recent);

  static constexpr std::chrono::seconds kRetryAfter{10};

 private:
  struct Reader;
  const Config& config_;
  std::unique_ptr<Reader> cassandra_;  // with store.type cassandra, once connected
  std::optional<Error> failure_;       // the last failure to read Cassandra, answered until retry_at_
  std::chrono::steady_clock::time_point retry_at_;
  Result<DeadLetterReader*> connect_cassandra();
  // Opens the store's reader (SQLite), or takes Cassandra's, and runs `read` on it.
  template <typename T, typename Read>
  Result<T> with_reader(Read read);
};

}  // namespace kascade
