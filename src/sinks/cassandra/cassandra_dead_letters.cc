// sinks/cassandra/cassandra_dead_letters.cc: paging through `dead_letters` (to list, sum up, replay), and deleting from
// it.
#include "sinks/cassandra/cassandra_dead_letters.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
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

// Oldest first; letters of one moment in the order of their position.
bool older(const DeadLetter& a, const DeadLetter& b) {
  return std::tie(a.failed_at_ms, a.topic, a.partition, a.offset) <
         std::tie(b.failed_at_ms, b.topic, b.partition, b.offset);
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
      "SELECT topic, partition, offset, key, error_class, error_message, failed_at, attempts{} FROM "
      "\"{}\".dead_letters",
      options.with_values ? ", value" : "", keyspace_);
  cql::QueryOptions query{.consistency = consistency_, .page_size = static_cast<int32_t>(options.page)};
  std::vector<DeadLetter> letters;
  while (true) {
    auto page = session_.query(cql, query);
    if (!page)
      return Error::make(page.error().code, "read dead letters: " + page.error().message, page.error().retriable);
    letters.clear();
    for (cql::Row& row : page->rows.rows) {
      std::string* topic = std::get_if<std::string>(&row[ScanColumn::topic].v);
      if (topic == nullptr || (!options.topic.empty() && *topic != options.topic)) continue;
      const std::string key = get_or<std::string>(row[ScanColumn::key], {});
      std::string* value = options.with_values ? std::get_if<std::string>(&row[ScanColumn::value].v) : nullptr;
      const ConsumedRecord record{.partition = static_cast<int32_t>(get_or<int64_t>(row[ScanColumn::partition], 0)),
                                  .offset = get_or<int64_t>(row[ScanColumn::offset], 0),
                                  .key = key,
                                  .value = value ? std::string_view(*value) : std::string_view()};
      DeadLetter letter = dead_letter_of(record, *topic, get_or<std::string>(row[ScanColumn::error_class], {}),
                                         get_or<std::string>(row[ScanColumn::error_message], {}),
                                         get_or<int64_t>(row[ScanColumn::failed_at], 0));
      letter.attempts = static_cast<int32_t>(get_or<int64_t>(row[ScanColumn::attempts], 1));
      letters.push_back(std::move(letter));
    }
    if (!letters.empty()) {
      if (auto status = visit(letters); !status) return status;
    }
    if (!page->rows.metadata.has_more_pages) return ok_status();
    query.paging_state = std::move(page->rows.metadata.paging_state);
  }
}

Result<std::vector<ListedDeadLetter>> CassandraDeadLetters::list(const DeadLetterFilter& filter) {
  std::vector<ListedDeadLetter> listed;
  auto status = scan({.topic = filter.topic}, [&](std::vector<DeadLetter>& page) -> Status {
    for (DeadLetter& letter : page) {
      if (!filter.admits(letter.error_class)) continue;
      const auto bytes = static_cast<int64_t>(letter.value.size());
      letter.value = {};  // counted, not kept
      listed.push_back({std::move(letter), bytes});
    }
    return ok_status();
  });
  if (!status) return status.error();
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) { return older(a.letter, b.letter); });
  if (filter.last != 0 && listed.size() > filter.last) {
    listed.erase(listed.begin(), listed.end() - static_cast<std::ptrdiff_t>(filter.last));
  }
  return listed;
}

Result<DeadLetterSummary> CassandraDeadLetters::summary(size_t recent) {
  std::map<std::pair<std::string, std::string>, DeadLetterCount> counts;  // (topic, error class) -> count
  std::vector<DeadLetter> letters;
  auto status = scan({.with_values = false}, [&](std::vector<DeadLetter>& page) -> Status {
    for (DeadLetter& letter : page) {
      auto [it, added] = counts.try_emplace({letter.topic, letter.error_class},
                                            DeadLetterCount{letter.topic, letter.error_class, 0, letter.failed_at_ms});
      ++it->second.count;
      it->second.latest_ms = std::max(it->second.latest_ms, letter.failed_at_ms);
      letters.push_back(std::move(letter));
    }
    return ok_status();
  });
  if (!status) return status.error();
  DeadLetterSummary summary;
  for (auto& [_, count] : counts) summary.counts.push_back(std::move(count));
  const size_t newest = std::min(recent, letters.size());
  std::partial_sort(letters.begin(), letters.begin() + static_cast<std::ptrdiff_t>(newest), letters.end(),
                    [](const DeadLetter& a, const DeadLetter& b) { return older(b, a); });
  letters.resize(newest);
  summary.recent = std::move(letters);
  return summary;
}

Status CassandraDeadLetters::prepare() {
  auto insert =
      session_.prepare(fmt::format("INSERT INTO \"{}\".dead_letters (topic, partition, offset, key, value, "
                                   "error_class, error_message, failed_at, attempts) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   keyspace_));
  if (!insert) return insert.error();
  insert_ = *insert;
  return ok_status();
}

Status CassandraDeadLetters::send(cql::RequestGroup& requests, const DeadLetter& d, uint64_t tag) {
  if (!insert_) return Error::make(Errc::internal, "CassandraDeadLetters::send before prepare");
  const cql::Cell cells[] = {
      cql::Cell::of_text(d.topic),         cql::Cell::of_integer(d.partition),    cql::Cell::of_integer(d.offset),
      cql::Cell::of_text(d.key),           cql::Cell::of_text(d.value),           cql::Cell::of_text(d.error_class),
      cql::Cell::of_text(d.error_message), cql::Cell::of_integer(d.failed_at_ms), cql::Cell::of_integer(d.attempts)};
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
  auto done =
      session_.execute(delete_, cql::BoundValues::cells(key), {.consistency = consistency_, .idempotent = true});
  if (!done)
    return Error::make(done.error().code, "remove a replayed dead letter: " + done.error().message,
                       done.error().retriable);
  return ok_status();
}

}  // namespace kascade
