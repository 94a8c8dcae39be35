// sinks/cassandra/cassandra_dead_letters.h: `<keyspace>.dead_letters`, listed, summed up, read back and removed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/dead_letter.h"
#include "core/result.h"
#include "cql/session.h"
#include "sinks/dead_letter_store.h"

namespace kascade {

// The dead letters the Cassandra sink writes, one row per record, keyed by
// ((topic, partition), offset, key). Listed and summed up (DeadLetterReader)
// for `kascade dlq ls` and the dashboard, read back by `kascade dlq replay`;
// removed by a replay once their rows landed. The session is borrowed and
// outlives this.
class CassandraDeadLetters final : public DeadLetterReader {
 public:
  CassandraDeadLetters(cql::Session& session, std::string keyspace, cql::Consistency consistency)
      : session_(session), keyspace_(std::move(keyspace)), consistency_(consistency) {}

  // CQL that creates the table in `keyspace`.
  static std::string create_table_cql(std::string_view keyspace);

  // Prepares the INSERT (once the table exists).
  Status prepare();
  // Sends a letter's INSERT with `requests` (its failure comes back under `tag`).
  Status send(cql::RequestGroup& requests, const DeadLetter& letter, uint64_t tag);

  // Pages through the whole table, `page` rows at a time (token order: no
  // order of time), and hands each page's letters of `topic` (every topic
  // if empty) to `visit`. Without values, `value` is left empty (the
  // dashboard needs no bytes). A letter written while the scan runs may or
  // may not be read; one written back by a replay of its page is not.
  struct ScanOptions {
    std::string_view topic;
    size_t page = 1000;
    bool with_values = true;
  };
  Status scan(const ScanOptions& options, const DeadLetterStore::ChunkVisitor& visit);

  // Cassandra has no aggregate over a column that is not part of the key, nor
  // an order of time: both read the whole table (list with the records' bytes,
  // to count them; summary without) and filter, count and sort here.
  Result<std::vector<ListedDeadLetter>> list(const DeadLetterFilter& filter) override;
  Result<DeadLetterSummary> summary(size_t recent) override;

  // Deletes one letter, by its whole key.
  Status remove(const DeadLetter& letter);

 private:
  cql::Session& session_;
  std::string keyspace_;
  cql::Consistency consistency_;
  std::shared_ptr<const cql::PreparedStatement> insert_;
  std::shared_ptr<const cql::PreparedStatement> delete_;
};

}  // namespace kascade
