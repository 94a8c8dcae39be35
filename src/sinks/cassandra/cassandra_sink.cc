// sinks/cassandra/cassandra_sink.cc: prepared upserts with bounded in-flight requests.
#include "sinks/cassandra/cassandra_sink.h"

#include <fmt/format.h>

#include <bit>
#include <map>
#include <variant>

#include "core/json_append.h"
#include "core/timestamp.h"
#include "cql/murmur3.h"

namespace kascade {
namespace {

using cql::BodyWriter;

constexpr size_t kDeadLetterTicket = SIZE_MAX;

const char* cql_type(ColumnType type) {
  switch (type) {
    case ColumnType::text:
      return "text";
    case ColumnType::int32:
      return "int";
    case ColumnType::int64:
      return "bigint";
    case ColumnType::float64:
      return "double";
    case ColumnType::timestamp:
      return "timestamp";
    case ColumnType::uuid:
      return "uuid";
  }
  return "blob";
}

std::string quoted(std::string_view name) { return fmt::format("\"{}\"", name); }

// The routing key of a partition key: the value itself, or for a composite
// key each component as [short length][bytes][0] (Cassandra's CompositeType).
int64_t token_of(const std::vector<std::string_view>& components) {
  if (components.size() == 1) return cql::murmur3_token(components[0]);
  std::string key;
  for (auto c : components) {
    key.push_back(static_cast<char>(c.size() >> 8));
    key.push_back(static_cast<char>(c.size() & 0xFF));
    key.append(c);
    key.push_back('\0');
  }
  return cql::murmur3_token(key);
}

}  // namespace

Result<std::unique_ptr<CassandraSink>> CassandraSink::open(CassandraSinkOptions options) {
  std::unique_ptr<CassandraSink> sink(new CassandraSink(std::move(options)));
  auto session = cql::Session::connect(sink->options_.session);
  if (!session) return session.error();
  sink->session_ = std::move(*session);
  return sink;
}

std::string CassandraSink::describe_self() const {
  return fmt::format("cassandra {} keyspace {}", session_->describe(), options_.keyspace);
}

std::string CassandraSink::create_table_cql(const std::string& keyspace,
                                            const TableSchema& schema) {
  std::string cql =
      fmt::format("CREATE TABLE IF NOT EXISTS {}.{} (", quoted(keyspace), quoted(schema.name));
  for (const auto& column : schema.columns)
    cql += fmt::format("{} {}, ", quoted(column.name), cql_type(column.type));
  cql += "PRIMARY KEY ((";
  for (size_t i = 0; i < schema.primary_key.size(); ++i)
    cql += (i ? ", " : "") + quoted(schema.primary_key[i]);
  return cql + ")))";
}

Status CassandraSink::prepare(const TableSchema& schema) {
  schema_ = &schema;
  const std::string ks = quoted(options_.keyspace);
  const std::string statements[] = {
      fmt::format("CREATE KEYSPACE IF NOT EXISTS {} WITH replication = {}", ks,
                  options_.replication),
      create_table_cql(options_.keyspace, schema),
      CassandraDeadLetters::create_table_cql(options_.keyspace),
  };
  for (const auto& cql : statements) {
    auto done = session_->query(cql, {.consistency = cql::Consistency::one, .page_size = 0});
    if (!done)
      return Error::make(done.error().code, fmt::format("{}: {}", cql, done.error().message),
                         done.error().retriable);
  }

  if (auto status = reconcile_table(schema); !status) return status;

  std::string columns, marks;
  for (const auto& column : schema.columns) {
    columns += (columns.empty() ? "" : ", ") + quoted(column.name);
    marks += marks.empty() ? "?" : ", ?";
  }
  auto insert_row = session_->prepare(
      fmt::format("INSERT INTO {}.{} ({}) VALUES ({})", ks, quoted(schema.name), columns, marks));
  if (!insert_row) return insert_row.error();
  insert_row_ = *insert_row;
  auto insert_dead_letter =
      session_->prepare(fmt::format("INSERT INTO {}.dead_letters (topic, partition, offset, key, "
                                    "value, error_class, error_message, failed_at, "
                                    "attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    ks));
  if (!insert_dead_letter) return insert_dead_letter.error();
  insert_dead_letter_ = *insert_dead_letter;
  dead_letters_.emplace(*session_, options_.keyspace, options_.consistency);

  partition_key_columns_.clear();
  for (uint16_t index : insert_row_->meta.partition_key_indexes)
    partition_key_columns_.push_back(index);
  return ok_status();
}

// The table may have been there before kascade (an existing deployment, e.g.
// the tutorial stack's spark_streams.created_users, created by its Spark job
// without `dob`): columns it lacks are added; a column of another type is a
// config error, named, rather than rows Cassandra refuses or misreads.
Status CassandraSink::reconcile_table(const TableSchema& schema) {
  const std::string table = fmt::format("{}.{}", quoted(options_.keyspace), quoted(schema.name));
  // The table as the node knows it now (system_schema, not a cached prepared statement).
  auto existing = session_->query_all(
      fmt::format("SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = '{}' AND table_name = '{}'",
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
                                            cql_type(column.type));
      auto done = session_->query(alter, {.consistency = cql::Consistency::one, .page_size = 0});
      if (!done)
        return Error::make(done.error().code, fmt::format("{}: {}", alter, done.error().message),
                           done.error().retriable);
      continue;
    }
    if (found->second != cql_type(column.type)) {
      return Error::make(Errc::config,
                         fmt::format("table {}.{} exists in Cassandra with column {} of type {}, but the pipeline "
                                     "writes it as {}: change table.columns.{} to match, or use another table",
                                     options_.keyspace, schema.name, column.name, found->second,
                                     cql_type(column.type), column.name));
    }
  }
  return ok_status();
}

void CassandraSink::send(std::shared_ptr<const cql::PreparedStatement> statement, std::string frame,
                         std::optional<int64_t> token, size_t ticket, Flight& flight) {
  {
    std::unique_lock lock(flight.mutex);
    if (flight.in_flight >= options_.max_in_flight || ++unflushed_ >= kFlushEvery) {
      // Requests are queued (defer_write) and written kFlushEvery at a time, in one
      // write per connection instead of one each; all of them before waiting for answers.
      lock.unlock();
      session_->flush();
      unflushed_ = 0;
      lock.lock();
    }
    flight.changed.wait(lock, [&] { return flight.in_flight < options_.max_in_flight; });
    ++flight.in_flight;
  }
  auto done = [&flight, ticket](Result<cql::ResultMessage> result) {
    std::lock_guard lock(flight.mutex);
    --flight.in_flight;
    if (!result) {
      if (result.error().retriable) {
        if (!flight.retriable) flight.retriable = result.error();
      } else if (result.error().code != Errc::invalid_argument && ticket != kDeadLetterTicket) {
        // Not about this row (unauthorized, a protocol failure): stop, do not dead-letter every row.
        if (!flight.fatal) flight.fatal = result.error();
      } else {
        flight.refused.emplace_back(ticket, result.error().message);
      }
    }
    flight.changed.notify_all();
  };
  (void)session_->execute_async(std::move(statement), std::move(frame),
                                cql::RequestOptions{.idempotent = true, .token = token, .defer_write = true},
                                std::move(done));
}

void CassandraSink::wait_all(Flight& flight) {
  session_->flush();
  unflushed_ = 0;
  std::unique_lock lock(flight.mutex);
  flight.changed.wait(lock, [&] { return flight.in_flight == 0; });
}

Status CassandraSink::send_row(const SinkBatch& batch, size_t row, size_t ticket, Flight& flight) {
  const RowBatch& rows = batch.rows;
  const auto& columns = schema_->columns;
  frame_.begin(insert_row_->version, insert_row_->meta.id, options_.consistency,
               static_cast<uint16_t>(columns.size()));
  BodyWriter w = frame_.values();
  std::string& frame = frame_.frame();
  value_spans_.assign(columns.size(), {0, 0});
  for (size_t c = 0; c < columns.size(); ++c) {
    const Value& v = rows.get(row, c);
    if (v.is_null()) {
      w.unset_value();  // no tombstone: the column is left as it is
      continue;
    }
    const size_t start = frame.size() + 4;  // the value's bytes, after its [int] length
    switch (columns[c].type) {
      case ColumnType::int32:
        w.i32(4);
        w.i32(static_cast<int32_t>(v.as.integer));
        break;
      case ColumnType::int64:
      case ColumnType::timestamp:
        w.i32(8);
        w.i64(v.as.integer);
        break;
      case ColumnType::float64:
        w.i32(8);
        w.i64(std::bit_cast<int64_t>(
            v.kind == Value::Kind::real ? v.as.real : static_cast<double>(v.as.integer)));
        break;
      case ColumnType::uuid:
        w.i32(16);
        frame.resize(frame.size() + 16);
        if (v.kind != Value::Kind::text ||
            !cql::uuid_text_to_bytes(rows.text(v), frame.data() + frame.size() - 16)) {
          return Error::make(Errc::invalid_argument,
                             fmt::format("column {}: not a uuid", columns[c].name));
        }
        break;
      case ColumnType::text:
        w.bytes(v.kind == Value::Kind::text ? rows.text(v) : std::string_view());
        break;
    }
    value_spans_[c] = {start, frame.size() - start};
  }
  // Token-aware routing: the token of the partition key's encoded values.
  std::optional<int64_t> token;
  std::vector<std::string_view> key_parts;
  for (int index : partition_key_columns_) {
    const auto [at, size] = value_spans_[static_cast<size_t>(index)];
    if (at == 0) break;  // a null key: Cassandra will refuse the row anyway
    key_parts.push_back(std::string_view(frame).substr(at, size));
  }
  if (!key_parts.empty() && key_parts.size() == partition_key_columns_.size())
    token = token_of(key_parts);
  send(insert_row_, std::string(frame_.finish()), token, ticket, flight);
  return ok_status();
}

Status CassandraSink::send_dead_letter(const DeadLetter& d, Flight& flight) {
  frame_.begin(insert_dead_letter_->version, insert_dead_letter_->meta.id, options_.consistency, 9);
  BodyWriter w = frame_.values();
  CassandraDeadLetters::append_key(w, d);
  w.bytes(d.value);
  w.bytes(d.error_class);
  w.bytes(d.error_message);
  w.i32(8);
  w.i64(d.failed_at_ms);
  w.i32(4);
  w.i32(d.attempts);
  std::string partition(4, '\0');
  for (int i = 0; i < 4; ++i)
    partition[static_cast<size_t>(i)] =
        static_cast<char>(static_cast<uint32_t>(d.partition) >> (24 - 8 * i));
  const int64_t token = token_of({d.topic, partition});
  send(insert_dead_letter_, std::string(frame_.finish()), token, kDeadLetterTicket, flight);
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
  Flight flight;
  const int64_t now = now_ms();
  for (size_t b = 0; b < batches.size(); ++b) {
    const SinkBatch& batch = *batches[b];
    batch.refused_rows.clear();
    for (size_t r = 0; r < batch.rows.rows(); ++r) {
      const size_t ticket = (b << 32) | r;
      if (auto status = send_row(batch, r, ticket, flight); !status) {
        // Could not even be encoded: a dead letter, as Cassandra would refuse it.
        flight.refused.emplace_back(ticket, status.error().message);
      }
    }
    for (const auto& letter : batch.dead_letters) (void)send_dead_letter(letter, flight);
  }
  wait_all(flight);
  if (flight.retriable) return *flight.retriable;
  if (flight.fatal) return *flight.fatal;

  // Rows Cassandra refused for good: to the dead letters, with the reason and
  // the record they came from (its bytes, topic, partition and offset).
  std::vector<std::pair<size_t, std::string>> refused;
  refused.swap(flight.refused);
  for (const auto& [ticket, reason] : refused) {
    if (ticket == kDeadLetterTicket) {
      return Error::make(Errc::io, fmt::format("Cassandra refused a dead letter: {}", reason));
    }
  }
  for (const auto& [ticket, reason] : refused) {
    const SinkBatch& batch = *batches[ticket >> 32];
    const size_t row = ticket & 0xFFFFFFFF;
    batch.refused_rows.push_back(row);
    std::string key, json;
    if (batch.row_source(row) == nullptr) {  // a batch without row_sources: the row itself, as JSON
      const int key_column =
          schema_->primary_key.empty() ? -1 : schema_->column_index(schema_->primary_key[0]);
      const Value& k = batch.rows.get(row, static_cast<size_t>(key_column < 0 ? 0 : key_column));
      if (k.kind == Value::Kind::text) key = batch.rows.text(k);
      json = row_json(batch, row);
    }
    (void)send_dead_letter(refused_row_dead_letter(batch, row, fmt::format("Cassandra refused the row: {}", reason),
                                                   now, key, json),
                           flight);
  }
  wait_all(flight);
  if (flight.retriable) return *flight.retriable;
  if (flight.fatal) return *flight.fatal;
  if (!flight.refused.empty()) {
    return Error::make(
        Errc::io, fmt::format("Cassandra refused a dead letter: {}", flight.refused[0].second));
  }
  // Windows: results, then state and offsets in one conditional batch (cassandra_window_state.h).
  return windows_ ? windows_->commit(batches) : ok_status();
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
      *session_, {options_.keyspace, options_.window_group, options_.window_topic, results.name},
      options_.consistency, results);
  if (!windows) return windows.error();
  windows_ = std::move(*windows);
  return windows_->checkpoint();
}

Result<OffsetMap> CassandraSink::stored_offsets(const std::string& group, const std::string& topic) {
  if (!windows_) return OffsetMap{};
  if (group != windows_->scope().group || topic != windows_->scope().topic) {
    return Error::make(Errc::internal, fmt::format("cassandra sink: offsets of group '{}' topic '{}' asked, window "
                                                   "state kept for group '{}' topic '{}'", group, topic,
                                                   windows_->scope().group, windows_->scope().topic));
  }
  return windows_->offsets();
}

}  // namespace kascade
