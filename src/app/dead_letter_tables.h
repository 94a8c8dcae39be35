// app/dead_letter_tables.h: the store's dead letters as tables, for `kascade dlq ls` and the dashboard of `kascade serve`.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/tabular_output.h"
#include "config/config.h"

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
// records' bytes when it does not need them). One caller at a time.
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

 private:
  struct Cassandra;
  const Config& config_;
  std::unique_ptr<Cassandra> cassandra_;  // with store.type cassandra, once connected
  Result<Cassandra*> connect();
};

}  // namespace kascade
