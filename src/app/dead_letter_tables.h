// app/dead_letter_tables.h: the store's dead letters as tables, for `kascade dlq ls` and the dashboard of `kascade serve`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/tabular_output.h"
#include "config/config.h"
#include "core/dead_letter.h"

namespace kascade {

// Which dead letters a listing or a replay takes.
struct DeadLetterFilter {
  std::vector<std::string> classes;  // error classes; empty: every class
  size_t last = 0;                   // listings: only the `last` most recent; 0: all

  bool admits(std::string_view error_class) const {
    return classes.empty() || std::find(classes.begin(), classes.end(), error_class) != classes.end();
  }
};

// Reads the dead letters of the configured store: with SQLite, SQL on the
// store file opened read-only; with Cassandra, a scan of
// `<keyspace>.dead_letters` through a session of its own, connected at the
// first call and kept. Cassandra has no aggregate over a column that is not
// part of the key, so there each call reads the whole table (without the
// records' bytes when it does not need them). After a failure to reach
// Cassandra, the same error is answered for kRetryAfter without trying
// again: the dashboard asks every two seconds, and each try could wait for a
// connect or request timeout. One caller at a time.
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
  struct Cassandra;
  const Config& config_;
  std::unique_ptr<Cassandra> cassandra_;  // with store.type cassandra, once connected
  std::optional<Error> failure_;          // the last failure to read Cassandra, answered until retry_at_
  std::chrono::steady_clock::time_point retry_at_;
  Result<Cassandra*> connect();
  Result<std::vector<DeadLetter>> read_cassandra(bool with_values);
};

}  // namespace kascade
