// sinks/cassandra/cassandra_sink.h: rows and dead letters into Apache Cassandra.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cql/session.h"
#include "sinks/cassandra/cassandra_dead_letters.h"
#include "sinks/cassandra/cassandra_window_state.h"
#include "sinks/dead_letter_store.h"
#include "sinks/sink.h"

namespace kascade {

struct CassandraSinkOptions {
  cql::SessionOptions session;
  std::string keyspace = "kascade";
  std::string replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}";  // a CQL map literal
  cql::Consistency consistency = cql::Consistency::local_quorum;
  int max_in_flight = 512;  // EXECUTEs awaiting Cassandra's answer (the session's bound)
  // Windows: the consumer group and topic whose window state and offsets this sink keeps.
  std::string window_group;
  std::string window_topic;
};

// The distributed mode's sink. prepare() creates the keyspace, the table and
// `dead_letters` when missing (adding the columns an existing table lacks, and
// refusing one whose columns have other types) and prepares their INSERTs; write() sends one
// EXECUTE per row through kascade's CQL client (token-aware, at most
// max_in_flight outstanding: the sink thread waits, which is the
// backpressure) and answers ok only once Cassandra acknowledged every row and
// dead letter. Nulls are sent as UNSET, so they never write tombstones.
//
// A retriable failure (timeout, node down, overloaded) fails the whole write
// as retriable: the processor writes the same batches again, and upserts by
// primary key make that harmless. A row Cassandra refuses for good as invalid
// (e.g. a partition key over 64 KiB) becomes a dead letter (class "sink") with
// the server's reason and its record's original bytes, topic, partition and
// offset (SinkBatch::row_sources; without them, the row as JSON at -1/-1).
// Any other non-retriable failure (unauthorized, ...) fails the write.
//
// Offsets are not stored here (stores_offsets() is false): the bus commits
// them after write() returns ok. Except with windows: prepare_windows() then
// keeps window state and offsets together in one partition
// (cassandra_window_state.h), write() commits them after the rows, and
// stores_offsets() is true. Used by the sink thread only.
class CassandraSink final : public Sink, public DeadLetterStore {
 public:
  static Result<std::unique_ptr<CassandraSink>> open(CassandraSinkOptions options);

  Status prepare(const TableSchema& schema) override;
  Status write(std::span<const SinkBatch* const> batches) override;
  bool stores_offsets() const override { return windows_ != nullptr; }
  Result<OffsetMap> stored_offsets(const std::string& group, const std::string& topic) override;
  Result<WindowCheckpoint> prepare_windows(const TableSchema& results) override;
  std::string describe_self() const override;

  // DeadLetterStore: `<keyspace>.dead_letters` (cassandra_dead_letters.h).
  // write_replayed() writes the rows and the letters that failed again, then
  // removes the landed letters: not atomic, but a replay run again finishes it.
  DeadLetterStore* dead_letter_store() override { return this; }
  Status scan(std::string_view topic, size_t chunk, const ChunkVisitor& visit) override;
  Status write_replayed(const SinkBatch& batch, std::span<const DeadLetter> landed) override;
  Result<std::vector<ListedDeadLetter>> list(const DeadLetterFilter& filter) override {
    if (!dead_letters_) return Error::make(Errc::internal, "CassandraSink::list before prepare");
    return dead_letters_->list(filter);
  }
  Result<DeadLetterSummary> summary(size_t recent) override {
    if (!dead_letters_) return Error::make(Errc::internal, "CassandraSink::summary before prepare");
    return dead_letters_->summary(recent);
  }

  // CQL that creates `schema` in `keyspace` (for docs and tests).
  static std::string create_table_cql(const std::string& keyspace, const TableSchema& schema);

 private:
  explicit CassandraSink(CassandraSinkOptions options) : options_(std::move(options)) {}

  Status reconcile_table(const TableSchema& schema);  // adds missing columns, refuses other types
  // The rows and dead letters of `batches`, and the dead letters of the rows Cassandra refused.
  Status write_rows(std::span<const SinkBatch* const> batches);
  std::string row_json(const SinkBatch& batch, size_t row) const;

  CassandraSinkOptions options_;
  std::unique_ptr<cql::Session> session_;
  const TableSchema* schema_ = nullptr;
  std::shared_ptr<const cql::PreparedStatement> insert_row_;
  std::unique_ptr<CassandraWindowState> windows_;     // with windows: their state and the offsets
  std::optional<CassandraDeadLetters> dead_letters_;  // once prepared
};

}  // namespace kascade
