// sinks/cassandra/cassandra_dead_letters.cc: paging through `dead_letters`, and deleting from it.
#include "sinks/cassandra/cassandra_dead_letters.h"

#include <fmt/format.h>

#include <variant>
#include <vector>

namespace kascade {
namespace {

// The columns scan() reads, in this order.
enum ScanColumn : size_t { topic, partition, offset, key, error_class, error_message, failed_at, attempts, value };

template <typename T>
T get_or(const cql::CqlValue& value, T fallback) {
  const T* held = std::get_if<T>(&value.v);
  return held ? *held : fallback;
}

}  // namespace

std::string CassandraDeadLetters::create_table_cql(std::string_view keyspace) {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS \"{}\".dead_letters (topic text, partition int, offset bigint, key text, "
      "value blob, error_class text, error_message text, failed_at timestamp, attempts int, "
      "PRIMARY KEY ((topic, partition), offset, key))",
      keyspace);
}

Status CassandraDeadLetters::scan(const ScanOptions& options, const DeadLetterStore::ChunkVisitor& visit) {
  const std::string cql = fmt::format(
      "SELECT topic, partition, offset, key, error_class, error_message, failed_at, attempts{} FROM \"{}\".dead_letters",
      options.with_values ? ", value" : "", keyspace_);
  cql::QueryOptions query{.consistency = consistency_, .page_size = static_cast<int32_t>(options.page)};
  std::vector<DeadLetter> letters;
  while (true) {
    auto page = session_.query(cql, query);
    if (!page) return Error::make(page.error().code, "read dead letters: " + page.error().message,
                                  page.error().retriable);
    letters.clear();
    for (cql::Row& row : page->rows.rows) {
      std::string* topic = std::get_if<std::string>(&row[ScanColumn::topic].v);
      if (topic == nullptr || (!options.topic.empty() && *topic != options.topic)) continue;
      DeadLetter letter{.key = get_or<std::string>(row[ScanColumn::key], {}),
                        .error_class = get_or<std::string>(row[ScanColumn::error_class], {}),
                        .error_message = get_or<std::string>(row[ScanColumn::error_message], {}),
                        .topic = std::move(*topic),
                        .partition = static_cast<int32_t>(get_or<int64_t>(row[ScanColumn::partition], 0)),
                        .offset = get_or<int64_t>(row[ScanColumn::offset], 0),
                        .failed_at_ms = get_or<int64_t>(row[ScanColumn::failed_at], 0),
                        .attempts = static_cast<int32_t>(get_or<int64_t>(row[ScanColumn::attempts], 1))};
      if (options.with_values) {
        if (auto* value = std::get_if<std::string>(&row[ScanColumn::value].v)) letter.value = std::move(*value);
      }
      letters.push_back(std::move(letter));
    }
    if (!letters.empty()) {
      if (auto status = visit(letters); !status) return status;
    }
    if (!page->rows.metadata.has_more_pages) return ok_status();
    query.paging_state = std::move(page->rows.metadata.paging_state);
  }
}

Status CassandraDeadLetters::prepare() {
  auto insert = session_.prepare(fmt::format("INSERT INTO \"{}\".dead_letters (topic, partition, offset, key, value, "
                                             "error_class, error_message, failed_at, attempts) "
                                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                             keyspace_));
  if (!insert) return insert.error();
  insert_ = *insert;
  return ok_status();
}

Status CassandraDeadLetters::send(cql::RequestGroup& requests, const DeadLetter& d, uint64_t tag) {
  if (!insert_) return Error::make(Errc::internal, "CassandraDeadLetters::send before prepare");
  const cql::Cell cells[] = {cql::Cell::of_text(d.topic),         cql::Cell::of_integer(d.partition),
                             cql::Cell::of_integer(d.offset),     cql::Cell::of_text(d.key),
                             cql::Cell::of_text(d.value),         cql::Cell::of_text(d.error_class),
                             cql::Cell::of_text(d.error_message), cql::Cell::of_integer(d.failed_at_ms),
                             cql::Cell::of_integer(d.attempts)};
  return requests.execute(insert_, cql::BoundValues::cells(cells),
                          {.consistency = consistency_, .idempotent = true, .defer_write = true}, tag);
}

Status CassandraDeadLetters::remove(const DeadLetter& letter) {
  if (!delete_) {
    auto prepared = session_.prepare(fmt::format(
        "DELETE FROM \"{}\".dead_letters WHERE topic = ? AND partition = ? AND offset = ? AND key = ?", keyspace_));
    if (!prepared) return prepared.error();
    delete_ = *prepared;
  }
  const cql::Cell key[] = {cql::Cell::of_text(letter.topic), cql::Cell::of_integer(letter.partition),
                           cql::Cell::of_integer(letter.offset), cql::Cell::of_text(letter.key)};
  auto done = session_.execute(delete_, cql::BoundValues::cells(key),
                               {.consistency = consistency_, .idempotent = true});
  if (!done) return Error::make(done.error().code, "remove a replayed dead letter: " + done.error().message,
                                done.error().retriable);
  return ok_status();
}

}  // namespace kascade
