// app/dead_letter_tables.cc: the dead-letter listing and summary, from SQLite by SQL and from Cassandra by a scan.
#include "app/dead_letter_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "pipeline/sink_factory.h"
#include "app/sql_query.h"
#include "core/timestamp.h"
#include "sinks/cassandra/cassandra_dead_letters.h"

namespace kascade {
namespace {

const std::vector<std::string> kListColumns = {"topic",         "partition", "offset",   "error_class",
                                               "error_message", "failed_at", "attempts", "bytes"};
const std::vector<std::string> kRecentColumns = {"topic",         "partition", "offset",  "error_class",
                                                 "error_message", "failed_at", "attempts"};
const std::vector<std::string> kByClassColumns = {"error_class", "count", "latest"};

// The columns of kRecentColumns (and kListColumns without bytes) for one letter.
std::vector<Cell> letter_cells(const DeadLetter& letter) {
  return {letter.topic,         int64_t{letter.partition},           letter.offset,         letter.error_class,
          letter.error_message, format_iso8601_ms(letter.failed_at_ms), int64_t{letter.attempts}};
}

// `text` as an SQL string literal.
std::string sql_literal(std::string_view text) {
  std::string literal = "'";
  for (const char c : text) {
    literal += c;
    if (c == '\'') literal += c;  // a quote is written twice
  }
  return literal + "'";
}

// Oldest first; letters of one moment in the order of their position.
bool older(const DeadLetter& a, const DeadLetter& b) {
  return std::tie(a.failed_at_ms, a.topic, a.partition, a.offset) <
         std::tie(b.failed_at_ms, b.topic, b.partition, b.offset);
}

}  // namespace

struct DeadLetterTables::Cassandra {
  std::unique_ptr<cql::Session> session;
  std::unique_ptr<CassandraDeadLetters> letters;

  // Every letter of the table, with or without its bytes.
  Result<std::vector<DeadLetter>> read_all(bool with_values) {
    std::vector<DeadLetter> all;
    auto status = letters->scan({.with_values = with_values}, [&](std::vector<DeadLetter>& page) -> Status {
      std::move(page.begin(), page.end(), std::back_inserter(all));
      return ok_status();
    });
    if (!status) return status.error();
    return all;
  }
};

DeadLetterTables::DeadLetterTables(const Config& config) : config_(config) {}
DeadLetterTables::~DeadLetterTables() = default;

Result<DeadLetterTables::Cassandra*> DeadLetterTables::connect() {
  if (cassandra_) return cassandra_.get();
  const CassandraStoreConfig& store = config_.store.cassandra;
  auto options = cassandra_session_options(store);
  if (!options) return options.error();
  auto consistency = cql::parse_consistency(store.consistency);
  if (!consistency) return consistency.error();
  auto session = cql::Session::connect(std::move(*options));
  if (!session) return session.error();
  auto cassandra = std::make_unique<Cassandra>();
  cassandra->session = std::move(*session);
  cassandra->letters = std::make_unique<CassandraDeadLetters>(*cassandra->session, store.keyspace, *consistency);
  cassandra_ = std::move(cassandra);
  return cassandra_.get();
}

Result<std::vector<DeadLetter>> DeadLetterTables::read_cassandra(bool with_values) {
  const auto now = std::chrono::steady_clock::now();
  if (failure_ && now < retry_at_) return *failure_;
  auto cassandra = connect();
  auto letters = cassandra ? (*cassandra)->read_all(with_values) : Result<std::vector<DeadLetter>>(cassandra.error());
  if (letters) {
    failure_.reset();
  } else {
    failure_ = letters.error();
    retry_at_ = now + kRetryAfter;
  }
  return letters;
}

Result<ResultTable> DeadLetterTables::list(const DeadLetterFilter& filter) {
  if (config_.store.type == StoreType::sqlite) {
    std::string where;
    for (const std::string& error_class : filter.classes) {
      fmt::format_to(std::back_inserter(where), "{}{}", where.empty() ? " WHERE error_class IN (" : ", ",
                     sql_literal(error_class));
    }
    if (!where.empty()) where += ")";
    // The newest `last` (or all), then oldest first.
    return run_sql_query(config_.store_path(),
                         fmt::format("SELECT topic, partition, offset, error_class, error_message, failed_at, attempts, "
                                     "bytes FROM (SELECT *, length(value) AS bytes FROM dead_letters{} ORDER BY id "
                                     "DESC LIMIT {}) ORDER BY id",
                                     where, filter.last == 0 ? -1 : static_cast<int64_t>(filter.last)));
  }
  auto letters = read_cassandra(/*with_values=*/true);
  if (!letters) return letters.error();
  std::erase_if(*letters, [&](const DeadLetter& letter) { return !filter.admits(letter.error_class); });
  std::sort(letters->begin(), letters->end(), older);
  if (filter.last != 0 && letters->size() > filter.last) {
    letters->erase(letters->begin(), letters->end() - static_cast<std::ptrdiff_t>(filter.last));
  }
  ResultTable table{kListColumns, {}};
  for (const DeadLetter& letter : *letters) {
    table.rows.push_back(letter_cells(letter));
    table.rows.back().emplace_back(static_cast<int64_t>(letter.value.size()));
  }
  return table;
}

Result<DeadLetterTables::Summary> DeadLetterTables::summary(size_t recent) {
  if (config_.store.type == StoreType::sqlite) {
    const auto& store = config_.store_path();
    auto by_class = run_sql_query(store,
                                  "SELECT error_class, count(*) AS count, max(failed_at) AS latest FROM dead_letters "
                                  "GROUP BY error_class ORDER BY count DESC, error_class");
    if (!by_class && by_class.error().code == Errc::not_found) return Summary{{kByClassColumns, {}}, {kRecentColumns, {}}};
    if (!by_class) return by_class.error();
    auto newest = run_sql_query(store, fmt::format("SELECT topic, partition, offset, error_class, error_message, "
                                                   "failed_at, attempts FROM dead_letters ORDER BY id DESC LIMIT {}",
                                                   recent));
    if (!newest) return newest.error();
    return Summary{std::move(*by_class), std::move(*newest)};
  }
  auto letters = read_cassandra(/*with_values=*/false);
  if (!letters) return letters.error();

  std::map<std::string, std::pair<int64_t, int64_t>> classes;  // error class -> (count, latest failed_at)
  for (const DeadLetter& letter : *letters) {
    auto& [count, latest] = classes.try_emplace(letter.error_class, 0, letter.failed_at_ms).first->second;
    ++count;
    latest = std::max(latest, letter.failed_at_ms);
  }
  Summary summary{{kByClassColumns, {}}, {kRecentColumns, {}}};
  for (const auto& [error_class, counts] : classes) {
    summary.by_class.rows.push_back({error_class, counts.first, format_iso8601_ms(counts.second)});
  }
  std::stable_sort(summary.by_class.rows.begin(), summary.by_class.rows.end(),
                   [](const auto& a, const auto& b) { return std::get<int64_t>(a[1]) > std::get<int64_t>(b[1]); });
  const size_t newest = std::min(recent, letters->size());
  std::partial_sort(letters->begin(), letters->begin() + static_cast<std::ptrdiff_t>(newest), letters->end(),
                    [](const DeadLetter& a, const DeadLetter& b) { return older(b, a); });
  for (size_t i = 0; i < newest; ++i) summary.recent.rows.push_back(letter_cells((*letters)[i]));
  return summary;
}

}  // namespace kascade
