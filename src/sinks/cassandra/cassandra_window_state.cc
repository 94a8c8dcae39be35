// sinks/cassandra/cassandra_window_state.cc: the state partition, its lease, and the conditional commits.
#include "sinks/cassandra/cassandra_window_state.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_set>

#include "core/timestamp.h"
#include "sinks/cassandra/cassandra_sink.h"

namespace kascade {
namespace {

using cql::Cell;
using cql::Consistency;

constexpr int kOffsetKind = 0;
constexpr int kClockKind = 1;
constexpr int kStateKind = 2;
// The clustering group_key of offset and clock rows (a non-empty blob).
const std::string kNoGroupKey(1, '\0');

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

constexpr const char* kWherePartition = "consumer_group = ? AND topic = ? AND aggregation = ?";

// The partition's key cells, then `more`.
std::vector<Cell> with_key(const WindowStateScope& scope, std::initializer_list<Cell> before,
                           std::initializer_list<Cell> after = {}) {
  std::vector<Cell> cells(before);
  cells.insert(cells.end(), {Cell::of_text(scope.group), Cell::of_text(scope.topic), Cell::of_text(scope.aggregation)});
  cells.insert(cells.end(), after);
  return cells;
}

// Column `name` of a result, or -1.
int column_of(const cql::Rows& rows, std::string_view name) {
  for (size_t i = 0; i < rows.metadata.columns.size(); ++i)
    if (rows.metadata.columns[i].name == name) return static_cast<int>(i);
  return -1;
}
std::optional<int64_t> integer_at(const cql::Row& row, int column) {
  if (column < 0 || static_cast<size_t>(column) >= row.size()) return std::nullopt;
  if (const auto* v = std::get_if<int64_t>(&row[static_cast<size_t>(column)].v)) return *v;
  return std::nullopt;
}
std::optional<std::string> text_at(const cql::Row& row, int column) {
  if (column < 0 || static_cast<size_t>(column) >= row.size()) return std::nullopt;
  if (const auto* v = std::get_if<std::string>(&row[static_cast<size_t>(column)].v)) return *v;
  return std::nullopt;
}

Error with_cql(std::string_view what, const Error& error) {
  return Error::make(error.code, fmt::format("window state: {}: {}", what, error.message), error.retriable);
}

}  // namespace

std::string create_window_state_table_cql(const std::string& keyspace) {
  // gc_grace_seconds: each closed window leaves one range tombstone here, and
  // a restart reads the whole partition, so tombstones are purged after an
  // hour rather than ten days. The usual risk of a short grace (a replica that
  // missed a delete and was not repaired in time resurrects the deleted rows)
  // is harmless here: only closed windows' states are ever deleted, and a
  // restore ignores every state whose window ends at or before the restored
  // watermark or horizon (WindowAggregator::restore), which a resurrected
  // closed window always does. With replication_factor 1 nothing can be missed.
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {}.window_state ("
      "consumer_group text, topic text, aggregation text, kind int, id bigint, group_key blob, "
      "owner text static, lease_until timestamp static, "
      "next_offset bigint, max_event_ms bigint, late_records bigint, state blob, "
      "PRIMARY KEY ((consumer_group, topic, aggregation), kind, id, group_key)) "
      "WITH gc_grace_seconds = 3600",
      quoted(keyspace));
}

std::vector<StateCommit> plan_state_commits(std::span<const SinkBatch* const> batches, size_t max_bytes,
                                            size_t max_statements) {
  std::vector<StateCommit> commits(1);
  for (const SinkBatch* batch : batches) {
    const WindowDelta* delta = batch->windows.get();
    // What this batch adds, to decide whether it still fits the open commit.
    size_t bytes = batch->next_offsets.size() * 16;
    size_t statements = batch->next_offsets.size();
    bool conflicts = false;
    if (delta) {
      bytes += delta->closed_windows.size() * 8 + delta->clocks.size() * 20;
      statements += delta->closed_windows.size() + delta->states.size() + delta->clocks.size();
      for (const auto& entry : delta->states) {
        bytes += 8 + entry.group_key.size() + entry.state.size();
        for (int64_t deleted : commits.back().deleted_windows) conflicts |= deleted == entry.window_start;
      }
    }
    StateCommit* commit = &commits.back();
    const bool fits = commit->bytes + bytes <= max_bytes && commit->statements() + statements <= max_statements;
    if (commit->statements() > 1 && (conflicts || !fits)) commit = &commits.emplace_back();
    if (delta) {
      for (int64_t start : delta->closed_windows) {
        // The range delete supersedes the states of that window written before it in this commit.
        auto from = commit->states.lower_bound({start, std::string()});
        while (from != commit->states.end() && from->first.first == start) from = commit->states.erase(from);
        commit->deleted_windows.push_back(start);
      }
      for (const auto& entry : delta->states) commit->states[{entry.window_start, entry.group_key}] = entry.state;
      for (const auto& [partition, clock] : delta->clocks) commit->clocks[partition] = clock;
    }
    for (const auto& [partition, next] : batch->next_offsets) commit->offsets[partition] = next;
    commit->bytes += bytes;
  }
  return commits;
}

Result<WindowStateStatements> WindowStateStatements::prepare(cql::Session& session, const std::string& keyspace) {
  const std::string table = quoted(keyspace) + ".window_state";
  const std::string texts[] = {
      fmt::format("UPDATE {} SET lease_until = ? WHERE {} IF owner = ?", table, kWherePartition),
      fmt::format("UPDATE {} SET owner = null WHERE {} IF owner = ?", table, kWherePartition),
      fmt::format("SELECT owner, lease_until FROM {} WHERE {} LIMIT 1", table, kWherePartition),
      fmt::format("UPDATE {} SET owner = ?, lease_until = ? WHERE {} IF owner = null", table, kWherePartition),
      fmt::format("UPDATE {} SET owner = ?, lease_until = ? WHERE {} IF owner = ?", table, kWherePartition),
      fmt::format("SELECT kind, id, group_key, next_offset, max_event_ms, late_records, state FROM {} WHERE {}", table,
                  kWherePartition),
      fmt::format("DELETE FROM {} WHERE {} AND kind = {} AND id = ?", table, kWherePartition, kStateKind),
      fmt::format("INSERT INTO {} (consumer_group, topic, aggregation, kind, id, group_key, state) "
                  "VALUES (?, ?, ?, {}, ?, ?, ?)",
                  table, kStateKind),
      fmt::format("INSERT INTO {} (consumer_group, topic, aggregation, kind, id, group_key, max_event_ms, "
                  "late_records) VALUES (?, ?, ?, {}, ?, ?, ?, ?)",
                  table, kClockKind),
      fmt::format("INSERT INTO {} (consumer_group, topic, aggregation, kind, id, group_key, next_offset) "
                  "VALUES (?, ?, ?, {}, ?, ?, ?)",
                  table, kOffsetKind),
  };
  WindowStateStatements out;
  std::shared_ptr<const cql::PreparedStatement>* slots[] = {
      &out.renew, &out.release, &out.read_lease, &out.claim_free, &out.claim_taken,
      &out.load,  &out.remove,  &out.put_state,  &out.put_clock,  &out.put_offset};
  for (size_t i = 0; i < std::size(texts); ++i) {
    auto prepared = session.prepare(texts[i]);
    if (!prepared) return with_cql(texts[i], prepared.error());
    *slots[i] = std::move(*prepared);
  }
  return out;
}

Result<cql::Batch> state_commit_batch(const WindowStateStatements& statements, const WindowStateScope& scope,
                                      const std::string& owner, int64_t lease_until_ms, const StateCommit& commit) {
  cql::Batch batch(cql::BatchType::logged);  // a conditional batch; on one partition Cassandra skips the batch log
  auto add = [&](const std::shared_ptr<const cql::PreparedStatement>& statement, const std::vector<Cell>& cells) {
    return batch.add(statement, cql::BoundValues::cells(cells));
  };
  // The condition first: the whole batch applies only while this processor owns the lease.
  if (auto s = add(statements.renew, with_key(scope, {Cell::of_integer(lease_until_ms)}, {Cell::of_text(owner)})); !s)
    return s.error();
  for (int64_t start : commit.deleted_windows) {
    if (auto s = add(statements.remove, with_key(scope, {}, {Cell::of_integer(start)})); !s) return s.error();
  }
  for (const auto& [key, state] : commit.states) {
    auto cells = with_key(scope, {}, {Cell::of_integer(key.first), Cell::of_text(key.second), Cell::of_text(state)});
    if (auto s = add(statements.put_state, cells); !s) return s.error();
  }
  for (const auto& [partition, clock] : commit.clocks) {
    auto cells = with_key(scope, {},
                          {Cell::of_integer(partition), Cell::of_text(kNoGroupKey),
                           Cell::of_integer(clock.max_event_ms), Cell::of_integer(clock.late_records)});
    if (auto s = add(statements.put_clock, cells); !s) return s.error();
  }
  for (const auto& [partition, next] : commit.offsets) {
    auto cells = with_key(scope, {}, {Cell::of_integer(partition), Cell::of_text(kNoGroupKey), Cell::of_integer(next)});
    if (auto s = add(statements.put_offset, cells); !s) return s.error();
  }
  return batch;
}

Result<StoredWindowState> decode_window_state(const cql::Rows& rows) {
  const int kind = column_of(rows, "kind"), id = column_of(rows, "id"), key = column_of(rows, "group_key"),
            next = column_of(rows, "next_offset"), max_event = column_of(rows, "max_event_ms"),
            late = column_of(rows, "late_records"), state = column_of(rows, "state");
  if (kind < 0 || id < 0 || key < 0 || next < 0 || max_event < 0 || late < 0 || state < 0)
    return Error::make(Errc::corrupt, "window state: unexpected columns in window_state");
  StoredWindowState out;
  for (const cql::Row& row : rows.rows) {
    const auto k = integer_at(row, kind);
    const auto i = integer_at(row, id);
    if (!k || !i) continue;  // the statics-only row of a partition without rows
    switch (*k) {
      case kOffsetKind:
        if (auto v = integer_at(row, next)) out.offsets[static_cast<int32_t>(*i)] = *v;
        break;
      case kClockKind:
        out.checkpoint.clocks[static_cast<int32_t>(*i)] =
            PartitionClock{integer_at(row, max_event).value_or(0), integer_at(row, late).value_or(0)};
        break;
      case kStateKind: {
        auto group_key = text_at(row, key);
        auto encoded = text_at(row, state);
        if (!group_key || !encoded)
          return Error::make(Errc::corrupt, fmt::format("window state: window {} has a row without state", *i));
        out.checkpoint.states.push_back({*i, std::move(*group_key), std::move(*encoded)});
        break;
      }
      default:
        return Error::make(Errc::corrupt, fmt::format("window state: unknown row kind {}", *k));
    }
  }
  return out;
}

namespace {
std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}
}  // namespace

std::string window_lease_owner_id() {
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host_name(), getpid(), random());
}

bool window_lease_holder_dead(const std::string& owner) {
  const size_t first = owner.rfind(':');
  if (first == std::string::npos || first == 0) return false;
  const size_t second = owner.rfind(':', first - 1);
  if (second == std::string::npos) return false;
  if (owner.substr(0, second) != host_name()) return false;
  const std::string pid_text = owner.substr(second + 1, first - second - 1);
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) return false;
  const long pid = std::stol(pid_text);
  if (pid == static_cast<long>(getpid())) return true;  // an earlier life of this pid (e.g. a restarted container)
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

Result<std::unique_ptr<CassandraWindowState>> CassandraWindowState::open(cql::Session& session, WindowStateScope scope,
                                                                         Consistency consistency,
                                                                         const TableSchema& results) {
  std::unique_ptr<CassandraWindowState> state(
      new CassandraWindowState(session, std::move(scope), consistency, results));
  const std::string statements[] = {CassandraSink::create_table_cql(state->scope_.keyspace, results),
                                    create_window_state_table_cql(state->scope_.keyspace)};
  for (const auto& cql : statements) {
    auto done = session.query(cql, {.consistency = Consistency::one, .page_size = 0});
    if (!done) return with_cql(cql, done.error());
  }
  std::string columns, marks;
  for (const auto& column : results.columns) {
    columns += (columns.empty() ? "" : ", ") + quoted(column.name);
    marks += marks.empty() ? "?" : ", ?";
  }
  auto insert = session.prepare(fmt::format("INSERT INTO {}.{} ({}) VALUES ({})", quoted(state->scope_.keyspace),
                                            quoted(results.name), columns, marks));
  if (!insert) return insert.error();
  state->insert_result_ = *insert;
  auto prepared = WindowStateStatements::prepare(session, state->scope_.keyspace);
  if (!prepared) return prepared.error();
  state->statements_ = std::move(*prepared);
  state->owner_ = window_lease_owner_id();
  if (auto status = state->claim_lease(); !status) return status.error();
  if (auto status = state->load(); !status) return status.error();
  state->renewer_ = std::thread([raw = state.get()] { raw->renew_loop(); });
  return state;
}

CassandraWindowState::~CassandraWindowState() {
  {
    std::lock_guard lock(renew_mutex_);
    stopping_ = true;
  }
  renew_wakeup_.notify_all();
  if (renewer_.joinable()) renewer_.join();
  // A clean stop hands the aggregation over at once (best effort: otherwise the lease lapses).
  if (!owner_.empty() && statements_.release) {
    const auto cells = with_key(scope_, {}, {Cell::of_text(owner_)});
    (void)session_.execute(statements_.release, cql::BoundValues::cells(cells),
                           {.consistency = consistency_, .idempotent = true});
  }
}

void CassandraWindowState::renew_loop() {
  std::unique_lock lock(renew_mutex_);
  while (!renew_wakeup_.wait_for(lock, std::chrono::milliseconds(kLeaseMs / 3), [&] { return stopping_; })) {
    lock.unlock();
    // A failure is left to the next commit: it checks the lease itself (a lost lease fails it).
    const auto cells = with_key(scope_, {Cell::of_integer(now_ms() + kLeaseMs)}, {Cell::of_text(owner_)});
    (void)session_.execute(statements_.renew, cql::BoundValues::cells(cells),
                           {.consistency = consistency_, .idempotent = true});
    lock.lock();
  }
}

Status CassandraWindowState::claim_lease() {
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + std::chrono::milliseconds(kLeaseMs + 5000);
  const auto key = with_key(scope_, {});
  while (true) {
    // SERIAL: sees (and completes) any commit a killed processor left in progress.
    auto current = session_.execute(statements_.read_lease, cql::BoundValues::cells(key),
                                    {.consistency = Consistency::serial, .idempotent = true});
    if (!current) return with_cql("reading the lease", current.error());
    std::optional<std::string> holder;
    int64_t lease_until = 0;
    if (current->kind == cql::ResultKind::rows && !current->rows.rows.empty()) {
      const auto& row = current->rows.rows[0];
      holder = text_at(row, column_of(current->rows, "owner"));
      lease_until = integer_at(row, column_of(current->rows, "lease_until")).value_or(0);
    }
    const int64_t now = now_ms();
    if (holder && *holder != owner_ && lease_until > now && !window_lease_holder_dead(*holder)) {
      if (std::chrono::steady_clock::now() >= give_up) {
        return Error::make(  // another process runs it: a runtime failure (exit 1), as for the embedded process.lock
            Errc::unavailable,
            fmt::format("windows: aggregation '{}' of consumer group '{}' on topic '{}' is run by another processor "
                        "({}, lease renewed until {}): window state merges every partition, so only one processor "
                        "instance may run a windowed aggregation; stop the other one or set windows.enabled=off here",
                        scope_.aggregation, scope_.group, scope_.topic, *holder, format_iso8601_ms(lease_until)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    // Compare-and-set on what was read: two claimants cannot both win.
    std::vector<Cell> values = with_key(scope_, {Cell::of_text(owner_), Cell::of_integer(now + kLeaseMs)});
    if (holder) values.push_back(Cell::of_text(*holder));
    auto claimed = session_.execute(holder ? statements_.claim_taken : statements_.claim_free,
                                    cql::BoundValues::cells(values), {.consistency = consistency_, .idempotent = true});
    if (!claimed) return with_cql("claiming the lease", claimed.error());
    if (claimed->kind == cql::ResultKind::rows && !claimed->rows.rows.empty() && !claimed->rows.rows[0].empty()) {
      const auto* applied = std::get_if<bool>(&claimed->rows.rows[0][0].v);
      if (applied && *applied) return ok_status();
    }
    // Someone else changed it in between (or an earlier attempt of ours did): read again.
  }
}

Status CassandraWindowState::load() {
  const auto key = with_key(scope_, {});
  cql::Rows all;
  std::string paging_state;
  while (true) {
    auto page = session_.execute(
        statements_.load, cql::BoundValues::cells(key),
        {.consistency = consistency_, .page_size = 5000, .paging_state = paging_state, .idempotent = true});
    if (!page) return with_cql("reading the state", page.error());
    if (page->kind != cql::ResultKind::rows) break;
    if (all.metadata.columns.empty()) all.metadata = page->rows.metadata;
    for (auto& row : page->rows.rows) all.rows.push_back(std::move(row));
    if (!page->rows.metadata.has_more_pages) break;
    paging_state = page->rows.metadata.paging_state;
  }
  if (all.metadata.columns.empty()) return ok_status();  // nothing stored yet
  auto stored = decode_window_state(all);
  if (!stored) return stored.error();
  {
    std::lock_guard lock(offsets_mutex_);
    offsets_ = std::move(stored->offsets);
  }
  checkpoint_ = std::move(stored->checkpoint);
  return ok_status();
}

std::vector<std::vector<bool>> superseded_results(std::span<const SinkBatch* const> batches,
                                                  const TableSchema& results) {
  std::vector<std::vector<bool>> superseded(batches.size());
  std::unordered_set<std::string> newer;
  std::string key;
  for (size_t b = batches.size(); b-- > 0;) {
    if (!batches[b]->windows) continue;
    const RowBatch& rows = batches[b]->windows->results;
    superseded[b].assign(rows.rows(), false);
    for (size_t r = rows.rows(); r-- > 0;) {
      key.clear();
      for (size_t c = 0; c < results.columns.size(); ++c) {
        if (!results.is_primary_key(results.columns[c].name)) continue;
        const Value& v = rows.get(r, c);
        key += static_cast<char>(v.kind);
        if (v.kind == Value::Kind::text) {
          const std::string_view text = rows.text(v);
          key.append(reinterpret_cast<const char*>(&v.as.text.size), sizeof v.as.text.size).append(text);
        } else {
          key.append(reinterpret_cast<const char*>(&v.as.integer), sizeof v.as.integer);
        }
      }
      superseded[b][r] = !newer.insert(key).second;
    }
  }
  return superseded;
}

Status CassandraWindowState::write_results(std::span<const SinkBatch* const> batches) {
  // Early updates, then a final result, of one window in one write: only the newest is sent.
  const std::vector<std::vector<bool>> superseded = superseded_results(batches, results_);
  const cql::ExecuteOptions upsert{.consistency = consistency_, .idempotent = true, .defer_write = true};
  cql::RequestGroup requests(session_);
  for (size_t b = 0; b < batches.size(); ++b) {
    const SinkBatch* batch = batches[b];
    if (!batch->windows) continue;
    const RowBatch& rows = batch->windows->results;
    for (size_t r = 0; r < rows.rows(); ++r) {
      if (superseded[b][r]) continue;
      // A key column cannot be null in Cassandra: an absent group-by text is ''.
      auto values = cql::BoundValues::row(rows, r, cql::NullAs::unset);
      if (auto sent = requests.execute(insert_result_, values.empty_text_for_null_keys(), upsert, r); !sent) {
        return Error::make(sent.error().code, fmt::format("window result {}", sent.message()));
      }
    }
  }
  requests.wait();
  auto failures = requests.take_failures();
  if (!failures.empty()) return with_cql("upserting window results into " + results_.name, failures[0].error);
  return ok_status();
}

Status CassandraWindowState::commit(std::span<const SinkBatch* const> batches) {
  if (auto status = write_results(batches); !status) return status;
  for (const StateCommit& commit : plan_state_commits(batches, kMaxCommitBytes, kMaxCommitStatements)) {
    if (commit.statements() == 1) continue;  // nothing to store
    if (commit.statements() > UINT16_MAX) {
      return Error::make(Errc::too_large,
                         fmt::format("window state: one batch changes {} rows of window state, more than a CQL batch "
                                     "holds; lower processor.batch_records",
                                     commit.statements()));
    }
    auto batch = state_commit_batch(statements_, scope_, owner_, now_ms() + kLeaseMs, commit);
    if (!batch) return batch.error();
    // Idempotent: after a timeout (outcome unknown) the same commit is sent again; applied twice it leaves
    // the same rows, and the condition only checks the lease.
    auto answer = session_.execute(
        *batch, {.consistency = consistency_, .serial_consistency = Consistency::serial, .idempotent = true});
    if (!answer) {
      Error error =
          with_cql(fmt::format("committing {} bytes of window state and offsets", commit.bytes), answer.error());
      if (!error.retriable && commit.bytes > kMaxCommitBytes) {
        error.message +=
            " (a single sink batch this large cannot be split without losing atomicity: lower "
            "processor.batch_records, or use approx_count_distinct instead of count_distinct)";
      }
      return error;
    }
    if (answer->kind == cql::ResultKind::rows && !answer->rows.rows.empty() && !answer->rows.rows[0].empty()) {
      const auto* applied = std::get_if<bool>(&answer->rows.rows[0][0].v);
      if (applied && !*applied) {
        const auto holder = text_at(answer->rows.rows[0], column_of(answer->rows, "owner"));
        return Error::make(
            Errc::unavailable,
            fmt::format("windows: processor {} lost the lease of aggregation '{}' (group '{}', topic "
                        "'{}') to {}: another processor instance runs it now; this one stops without "
                        "writing window state",
                        owner_, scope_.aggregation, scope_.group, scope_.topic, holder.value_or("nobody")));
      }
    }
    std::lock_guard lock(offsets_mutex_);
    for (const auto& [partition, next] : commit.offsets) offsets_[partition] = next;
  }
  return ok_status();
}

}  // namespace kascade
