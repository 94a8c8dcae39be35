// sinks/cassandra/cassandra_window_state.h: window results, window state and consumer offsets in Cassandra.
//
// One windowed aggregation keeps, in ONE partition of `<keyspace>.window_state`
// keyed by (consumer_group, topic, aggregation):
//   kind 0, id = partition        next_offset          the consumer offsets
//   kind 1, id = partition        max_event_ms, late   the partition clocks (id -1: the horizon)
//   kind 2, id = window_start,    state                the open windows' group states
//           group_key
//   static owner, lease_until                          which processor may write it
// A sink write first lands the rows, dead letters and window results
// (idempotent upserts, acknowledged), then applies the batches' WindowDeltas
// and next offsets in one conditional BATCH on that partition
// (`... IF owner = <this processor>`): a single-partition batch is atomic and
// isolated in Cassandra, so the state on disk always matches the offsets a
// restart resumes from, and a processor that lost the lease can no longer
// write it (fencing). Paxos ballots order these commits, so a later commit
// always wins over an earlier one regardless of the clients' clocks.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/window_delta.h"
#include "cql/session.h"
#include "sinks/sink.h"

namespace kascade {

// Where one aggregation's state lives.
struct WindowStateScope {
  std::string keyspace;
  std::string group;
  std::string topic;
  std::string aggregation;
};

// The net effect of consecutive sink batches on the state partition, applied
// as one conditional BATCH. It always ends at a sink batch boundary, where
// state and offsets match.
struct StateCommit {
  std::vector<int64_t> deleted_windows;                           // range deletes, before the upserts
  std::map<std::pair<int64_t, std::string>, std::string> states;  // (window_start, group key) -> state
  std::map<int32_t, PartitionClock> clocks;
  OffsetMap offsets;
  size_t bytes = 0;  // about the size of the values

  size_t statements() const { return 1 + deleted_windows.size() + states.size() + clocks.size() + offsets.size(); }
};

// Merges the batches' deltas and next offsets, in order, into as few commits
// as possible, each at most `max_bytes` and `max_statements` (a single batch
// larger than that stays whole: splitting it would break its atomicity).
// A state written for a window deleted earlier in the same commit starts a new
// commit (one BATCH gives all its statements the same timestamp, so the
// delete would win).
std::vector<StateCommit> plan_state_commits(std::span<const SinkBatch* const> batches, size_t max_bytes,
                                            size_t max_statements);

// Per batch and window result row: true if a later row of `batches` has the
// same primary key in `results` (an early update followed by a newer one or by
// the final result). Upserts sent at once may land in any order, so only the
// newest of each key is sent.
std::vector<std::vector<bool>> superseded_results(std::span<const SinkBatch* const> batches,
                                                  const TableSchema& results);

// The prepared statements of an aggregation's state partition (its key bound first in each).
struct WindowStateStatements {
  std::shared_ptr<const cql::PreparedStatement> renew;        // lease_until, key, owner: IF owner = ?
  std::shared_ptr<const cql::PreparedStatement> release;      // key, owner
  std::shared_ptr<const cql::PreparedStatement> read_lease;   // key
  std::shared_ptr<const cql::PreparedStatement> claim_free;   // owner, lease_until, key: IF owner = null
  std::shared_ptr<const cql::PreparedStatement> claim_taken;  // owner, lease_until, key, holder
  std::shared_ptr<const cql::PreparedStatement> load;         // key
  std::shared_ptr<const cql::PreparedStatement> remove;       // key, window_start
  std::shared_ptr<const cql::PreparedStatement> put_state;    // key, window_start, group_key, state
  std::shared_ptr<const cql::PreparedStatement> put_clock;    // key, partition, group_key, max_event_ms, late
  std::shared_ptr<const cql::PreparedStatement> put_offset;   // key, partition, group_key, next_offset

  static Result<WindowStateStatements> prepare(cql::Session& session, const std::string& keyspace);
};

// The conditional BATCH of `commit`: the lease renewal (its condition) first,
// then the deletes, states, clocks and offsets.
Result<cql::Batch> state_commit_batch(const WindowStateStatements& statements, const WindowStateScope& scope,
                                      const std::string& owner, int64_t lease_until_ms, const StateCommit& commit);

// CQL of the state table (gc_grace_seconds explained in the .cc).
std::string create_window_state_table_cql(const std::string& keyspace);

// What the partition holds, decoded from its rows.
struct StoredWindowState {
  OffsetMap offsets;
  WindowCheckpoint checkpoint;
};
Result<StoredWindowState> decode_window_state(const cql::Rows& rows);

// "host:pid:nonce" of this process, and whether a holder of that form is a
// process of this host that no longer runs (a processor killed with -9).
std::string window_lease_owner_id();
bool window_lease_holder_dead(const std::string& owner);

// The Cassandra sink's window part (used by the sink thread only).
class CassandraWindowState {
 public:
  static constexpr int64_t kLeaseMs = 30000;
  static constexpr size_t kMaxCommitBytes = 4 << 20;
  static constexpr size_t kMaxCommitStatements = 16000;

  // Creates the results and state tables, claims the aggregation's lease
  // (waiting up to a lease for a holder that stopped renewing; a live holder
  // is a config error), and reads the partition back.
  static Result<std::unique_ptr<CassandraWindowState>> open(cql::Session& session, WindowStateScope scope,
                                                            cql::Consistency consistency, const TableSchema& results);
  ~CassandraWindowState();

  // The offsets stored with the state (a copy: the processor thread asks while the sink thread commits).
  OffsetMap offsets() const {
    std::lock_guard lock(offsets_mutex_);
    return offsets_;
  }
  const WindowCheckpoint& checkpoint() const { return checkpoint_; }
  const WindowStateScope& scope() const { return scope_; }

  // After the batches' rows and dead letters are acknowledged: upserts the
  // window results, then commits deltas and offsets (see the file comment).
  Status commit(std::span<const SinkBatch* const> batches);

 private:
  CassandraWindowState(cql::Session& session, WindowStateScope scope, cql::Consistency consistency, TableSchema results)
      : session_(session), scope_(std::move(scope)), consistency_(consistency), results_(std::move(results)) {}

  Status claim_lease();
  Status load();
  Status write_results(std::span<const SinkBatch* const> batches);
  // A thread renews the lease every kLeaseMs / 3 while the processor is idle (commits renew it too),
  // so a live processor keeps it and a second instance is refused.
  void renew_loop();

  cql::Session& session_;
  WindowStateScope scope_;
  cql::Consistency consistency_;
  const TableSchema results_;
  std::string owner_;
  WindowStateStatements statements_;
  std::shared_ptr<const cql::PreparedStatement> insert_result_;
  mutable std::mutex offsets_mutex_;
  OffsetMap offsets_;  // guarded by offsets_mutex_
  WindowCheckpoint checkpoint_;
  std::mutex renew_mutex_;
  std::condition_variable renew_wakeup_;
  bool stopping_ = false;
  std::thread renewer_;
};

}  // namespace kascade
