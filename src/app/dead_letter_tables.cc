// app/dead_letter_tables.cc: the dead-letter listing and summary of either store, as tables.
#include "app/dead_letter_tables.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/timestamp.h"
#include "pipeline/sink_factory.h"
#include "sinks/cassandra/cassandra_dead_letters.h"
#include "sinks/sqlite/sqlite_store.h"

namespace kascade {
namespace {

const std::vector<std::string> kListColumns = {"topic",         "partition", "offset",   "error_class",
                                               "error_message", "failed_at", "attempts", "bytes"};
const std::vector<std::string> kRecentColumns = {"topic",         "partition", "offset",  "error_class",
                                                 "error_message", "failed_at", "attempts"};
const std::vector<std::string> kByClassColumns = {"error_class", "count", "latest"};

// The columns of kRecentColumns (and kListColumns without bytes) for one letter.
std::vector<Cell> letter_cells(const DeadLetter& letter) {
  return {letter.topic,
          int64_t{letter.partition},
          letter.offset,
          letter.error_class,
          letter.error_message,
          format_iso8601_ms(letter.failed_at_ms),
          int64_t{letter.attempts}};
}

}  // namespace

// Cassandra's reader and the session it reads through.
struct DeadLetterTables::Reader {
  std::unique_ptr<cql::Session> session;
  std::unique_ptr<CassandraDeadLetters> letters;
};

DeadLetterTables::DeadLetterTables(const Config& config) : config_(config) {}
DeadLetterTables::~DeadLetterTables() = default;

Result<DeadLetterReader*> DeadLetterTables::connect_cassandra() {
  if (cassandra_) return cassandra_->letters.get();
  const CassandraStoreConfig& store = config_.store.cassandra;
  auto options = cassandra_session_options(store);
  if (!options) return options.error();
  auto consistency = cql::parse_consistency(store.consistency);
  if (!consistency) return consistency.error();
  auto session = cql::Session::connect(std::move(*options));
  if (!session) return session.error();
  auto reader = std::make_unique<Reader>();
  reader->session = std::move(*session);
  reader->letters = std::make_unique<CassandraDeadLetters>(*reader->session, store.keyspace, *consistency);
  cassandra_ = std::move(reader);
  return cassandra_->letters.get();
}

template <typename T, typename Read>
Result<T> DeadLetterTables::with_reader(Read read) {
  if (config_.store.type == StoreType::sqlite) {
    auto store = SqliteStore::open_read_only(config_.store_path());
    if (!store) return store.error();
    return read(static_cast<DeadLetterReader&>(**store));
  }
  const auto now = std::chrono::steady_clock::now();
  if (failure_ && now < retry_at_) return *failure_;
  auto reader = connect_cassandra();
  Result<T> answer = reader ? read(**reader) : Result<T>(reader.error());
  if (answer) {
    failure_.reset();
  } else {
    failure_ = answer.error();
    retry_at_ = now + kRetryAfter;
  }
  return answer;
}

Result<ResultTable> DeadLetterTables::list(const DeadLetterFilter& filter) {
  return with_reader<ResultTable>([&](DeadLetterReader& reader) -> Result<ResultTable> {
    auto letters = reader.list(filter);
    if (!letters) return letters.error();
    ResultTable table{kListColumns, {}};
    for (const ListedDeadLetter& listed : *letters) {
      table.rows.push_back(letter_cells(listed.letter));
      table.rows.back().emplace_back(listed.bytes);
    }
    return table;
  });
}

Result<DeadLetterTables::Summary> DeadLetterTables::summary(size_t recent) {
  auto summary = with_reader<Summary>([&](DeadLetterReader& reader) -> Result<Summary> {
    auto store = reader.summary(recent);
    if (!store) return store.error();
    std::map<std::string, std::pair<int64_t, int64_t>>
        classes;  // error class -> (count, latest failed_at), every topic
    for (const DeadLetterCount& count : store->counts) {
      auto& [letters, latest] = classes.try_emplace(count.error_class, 0, count.latest_ms).first->second;
      letters += count.count;
      latest = std::max(latest, count.latest_ms);
    }
    Summary tables{{kByClassColumns, {}}, {kRecentColumns, {}}};
    for (const auto& [error_class, counts] : classes) {
      tables.by_class.rows.push_back({error_class, counts.first, format_iso8601_ms(counts.second)});
    }
    // Most letters first; classes of one count by name (the map's order, kept by the stable sort).
    std::stable_sort(tables.by_class.rows.begin(), tables.by_class.rows.end(),
                     [](const auto& a, const auto& b) { return std::get<int64_t>(a[1]) > std::get<int64_t>(b[1]); });
    for (const DeadLetter& letter : store->recent) tables.recent.rows.push_back(letter_cells(letter));
    return tables;
  });
  if (!summary && summary.error().code == Errc::not_found && config_.store.type == StoreType::sqlite) {
    return Summary{{kByClassColumns, {}}, {kRecentColumns, {}}};  // no store yet: no dead letters
  }
  return summary;
}

}  // namespace kascade
