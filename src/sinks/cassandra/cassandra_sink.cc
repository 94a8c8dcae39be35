// sinks/cassandra/cassandra_sink.cc: prepared upserts with bounded in-flight requests.
#include "sinks/cassandra/cassandra_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <variant>

#include "core/json_append.h"
#include "core/timestamp.h"

namespace kascade {
namespace {

constexpr uint64_t kDeadLetterTag = UINT64_MAX;

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

// Sorts the failures of one round of requests: the first retriable one, else
// the first that is not about its row (unauthorized, a protocol failure:
// stop, do not dead-letter every row), else the rows refused for good
// (added to `refused`, as (tag, reason)). A refused dead letter fails the write.
Status sort_failures(std::vector<cql::RequestGroup::Failure> failures,
                     std::vector<std::pair<uint64_t, std::string>>& refused) {
  std::optional<Error> retriable, fatal;
  for (auto& f : failures) {
    if (f.error.retriable) {
      if (!retriable) retriable = std::move(f.error);
    } else if (f.error.code != Errc::invalid_argument && f.tag != kDeadLetterTag) {
      if (!fatal) fatal = std::move(f.error);
    } else {
      refused.emplace_back(f.tag, std::move(f.error.message));
    }
  }
  if (retriable) return *retriable;
  if (fatal) return *fatal;
  for (const auto& [tag, reason] : refused) {
    if (tag == kDeadLetterTag) return Error::make(Errc::io, fmt::format("Cassandra refused a dead letter: {}", reason));
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<CassandraSink>> CassandraSink::open(CassandraSinkOptions options) {
  std::unique_ptr<CassandraSink> sink(new CassandraSink(std::move(options)));
  sink->options_.session.max_in_flight = sink->options_.max_in_flight;
  auto session = cql::Session::connect(sink->options_.session);
  if (!session) return session.error();
  sink->session_ = std::move(*session);
  return sink;
}

std::string CassandraSink::describe_self() const {
  return fmt::format("cassandra {} keyspace {}", session_->describe(), options_.keyspace);
}

std::string CassandraSink::create_table_cql(const std::string& keyspace, const TableSchema& schema) {
  std::string cql = fmt::format("CREATE TABLE IF NOT EXISTS {}.{} (", quoted(keyspace), quoted(schema.name));
  for (const auto& column : schema.columns)
    cql += fmt::format("{} {}, ", quoted(column.name), cql::cql_type_name(column.type));
  cql += "PRIMARY KEY ((";
  for (size_t i = 0; i < schema.primary_key.size(); ++i) cql += (i ? ", " : "") + quoted(schema.primary_key[i]);
  return cql + ")))";
}

Status CassandraSink::prepare(const TableSchema& schema) {
  schema_ = &schema;
  const std::string ks = quoted(options_.keyspace);
  const std::string statements[] = {
      fmt::format("CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {}", ks, options_.replication),
      create_table_cql(options_.keyspace, schema),
      CassandraDeadLetters::create_table_cql(options_.keyspace),
  };
  for (const auto& cql : statements) {
    auto done = session_->query(cql, {.consistency = cql::Consistency::one, .page_size = 0});
    if (!done)
      return Error::make(done.error().code, fmt::format("{}: {}", cql, done.error().message), done.error().retriable);
  }

  if (auto status = reconcile_table(schema); !status) return status;

  std::string columns, marks;
  for (const auto& column : schema.columns) {
    columns += (columns.empty() ? "" : ", ") + quoted(column.name);
    marks += marks.empty() ? "?" : ", ?";
  }
  auto insert_row =
      session_->prepare(fmt::format("INSERT INTO {}.{} ({}) VALUES ({})", ks, quoted(schema.name), columns, marks));
  if (!insert_row) return insert_row.error();
  insert_row_ = *insert_row;
  dead_letters_.emplace(*session_, options_.keyspace, options_.consistency);
  return dead_letters_->prepare();
}

// The table may have been there before kascade (an existing deployment, e.g.
// the tutorial stack's spark_streams.created_users, created by its Spark job
// without `dob`): columns it lacks are added; a column of another type is a
// config error, named, rather than rows Cassandra refuses or misreads.
Status CassandraSink::reconcile_table(const TableSchema& schema) {
  const std::string table = fmt::format("{}.{}", quoted(options_.keyspace), quoted(schema.name));
  // The table as the node knows it now (system_schema, not a cached prepared statement).
  auto existing = session_->query_all(
      fmt::format(
          "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = '{}' AND table_name = '{}'",
          options_.keyspace, schema.name),
      cql::Consistency::one);
  if (!existing) return existing.error();
  std::map<std::string, std::string, std::less<>> types;  // column -> CQL type
  for (const auto& row : existing->rows) {
    const auto* name = row.size() == 2 ? std::get_if<std::string>(&row[0].v) : nullptr;
    const auto* type = row.size() == 2 ? std::get_if<std::string>(&row[1].v) : nullptr;
    if (name && type) types[*name] = *type;
  }
  for (const auto& column : schema.columns) {
    const auto found = types.find(column.name);
    if (found == types.end()) {
      const std::string alter = fmt::format("ALTER TABLE {} ADD IF NOT EXISTS {} {}", table, quoted(column.name),
                                            cql::cql_type_name(column.type));
      auto done = session_->query(alter, {.consistency = cql::Consistency::one, .page_size = 0});
      if (!done)
        return Error::make(done.error().code, fmt::format("{}: {}", alter, done.error().message),
                           done.error().retriable);
      continue;
    }
    if (found->second != cql::cql_type_name(column.type)) {
      return Error::make(Errc::config,
                         fmt::format("table {}.{} exists in Cassandra with column {} of type {}, but the pipeline "
                                     "writes it as {}: change table.columns.{} to match, or use another table",
                                     options_.keyspace, schema.name, column.name, found->second,
                                     cql::cql_type_name(column.type), column.name));
    }
  }
  return ok_status();
}

std::string CassandraSink::row_json(const SinkBatch& batch, size_t row) const {
  std::string json = "{";
  for (size_t c = 0; c < schema_->columns.size(); ++c) {
    const Value& v = batch.rows.get(row, c);
    if (v.is_null()) continue;
    if (json.size() > 1) json += ',';
    json_append::append_string(json, schema_->columns[c].name);
    json += ':';
    switch (v.kind) {
      case Value::Kind::integer:
        if (schema_->columns[c].type == ColumnType::timestamp) {
          json_append::append_string(json, format_iso8601_ms(v.as.integer));
        } else {
          json += fmt::format("{}", v.as.integer);
        }
        break;
      case Value::Kind::real:
        json += fmt::format("{}", v.as.real);
        break;
      case Value::Kind::text:
        json_append::append_string(json, batch.rows.text(v));
        break;
      case Value::Kind::null:
        break;
    }
  }
  return json + "}";
}

Status CassandraSink::write(std::span<const SinkBatch* const> batches) {
  if (!insert_row_) return Error::make(Errc::internal, "CassandraSink::write before prepare");
  if (auto status = write_rows(batches); !status) return status;
  // Windows: results, then state and offsets in one conditional batch (cassandra_window_state.h).
  return windows_ ? windows_->commit(batches) : ok_status();
}

Status CassandraSink::write_rows(std::span<const SinkBatch* const> batches) {
  const int64_t now = now_ms();
  const cql::ExecuteOptions upsert{.consistency = options_.consistency, .idempotent = true, .defer_write = true};
  std::vector<std::pair<uint64_t, std::string>> refused;  // (row ticket, reason)
  {
    cql::RequestGroup requests(*session_);
    for (size_t b = 0; b < batches.size(); ++b) {
      const SinkBatch& batch = *batches[b];
      batch.refused_rows.clear();
      for (size_t r = 0; r < batch.rows.rows(); ++r) {
        const uint64_t ticket = (uint64_t{b} << 32) | r;
        if (auto sent = requests.execute(insert_row_, cql::BoundValues::row(batch.rows, r), upsert, ticket); !sent) {
          if (sent.error().code != Errc::invalid_argument) return sent;
          refused.emplace_back(ticket, sent.message());  // could not even be bound: as Cassandra would refuse it
        }
      }
      for (const auto& letter : batch.dead_letters) {
        if (auto sent = dead_letters_->send(requests, letter, kDeadLetterTag); !sent) return sent;
      }
    }
    requests.wait();
    if (auto status = sort_failures(requests.take_failures(), refused); !status) return status;
  }
  if (refused.empty()) return ok_status();

  // Rows Cassandra refused for good: to the dead letters, with the reason and
  // the record they came from (its bytes, topic, partition and offset).
  std::sort(refused.begin(), refused.end());
  cql::RequestGroup requests(*session_);
  for (const auto& [ticket, reason] : refused) {
    const SinkBatch& batch = *batches[ticket >> 32];
    const size_t row = ticket & 0xFFFFFFFF;
    batch.refused_rows.push_back(row);
    std::string key, json;
    if (batch.row_source(row) == nullptr) {  // a batch without row_sources: the row itself, as JSON
      const int key_column = schema_->primary_key.empty() ? -1 : schema_->column_index(schema_->primary_key[0]);
      const Value& k = batch.rows.get(row, static_cast<size_t>(key_column < 0 ? 0 : key_column));
      if (k.kind == Value::Kind::text) key = batch.rows.text(k);
      json = row_json(batch, row);
    }
    const DeadLetter letter =
        refused_row_dead_letter(batch, row, fmt::format("Cassandra refused the row: {}", reason), now, key, json);
    if (auto sent = dead_letters_->send(requests, letter, kDeadLetterTag); !sent) return sent;
  }
  requests.wait();
  std::vector<std::pair<uint64_t, std::string>> letters_refused;
  return sort_failures(requests.take_failures(), letters_refused);
}

Status CassandraSink::scan(std::string_view topic, size_t chunk, const ChunkVisitor& visit) {
  if (!dead_letters_) return Error::make(Errc::internal, "CassandraSink::scan before prepare");
  return dead_letters_->scan({.topic = topic, .page = chunk}, visit);
}

// Rows and the letters that failed again first, acknowledged; then the
// removals. A crash in between leaves letters whose rows landed: replayed
// again, their rows are upserted again (the same values) and they are removed.
Status CassandraSink::write_replayed(const SinkBatch& batch, std::span<const DeadLetter> landed) {
  const SinkBatch* const one[] = {&batch};
  if (auto status = write(one); !status) return status;
  for (const DeadLetter& letter : landed) {
    // A refused row's dead letter was just written again (class sink, attempts + 1): it stays.
    if (letter.topic == batch.topic && batch.refused_source(letter.partition, letter.offset)) continue;
    if (auto status = dead_letters_->remove(letter); !status) return status;
  }
  return ok_status();
}

Result<WindowCheckpoint> CassandraSink::prepare_windows(const TableSchema& results) {
  auto windows = CassandraWindowState::open(
      *session_, {options_.keyspace, options_.window_group, options_.window_topic, results.name}, options_.consistency,
      results);
  if (!windows) return windows.error();
  windows_ = std::move(*windows);
  return windows_->checkpoint();
}

Result<OffsetMap> CassandraSink::stored_offsets(const std::string& group, const std::string& topic) {
  if (!windows_) return OffsetMap{};
  if (group != windows_->scope().group || topic != windows_->scope().topic) {
    return Error::make(Errc::internal, fmt::format("cassandra sink: offsets of group '{}' topic '{}' asked, window "
                                                   "state kept for group '{}' topic '{}'",
                                                   group, topic, windows_->scope().group, windows_->scope().topic));
  }
  return windows_->offsets();
}

}  // namespace kascade
