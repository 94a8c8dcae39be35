// sinks/sqlite/sqlite_store_dead_letters.cc: the store's `dead_letters` table read back: listed, summed up, scanned.
#include <fmt/format.h>

#include <algorithm>

#include "core/timestamp.h"
#include "sinks/sqlite/sqlite_store.h"

namespace kascade {
namespace {

// The columns every read below takes of a letter, in this order (after `id` in scan()).
constexpr const char* kLetterColumns = "partition, offset, key, error_class, error_message, failed_at, attempts, topic";

Status with_context(Status status) {
  if (status.ok()) return status;
  Error error = status.error();
  error.message = "store: " + error.message;
  return error;
}

// The letter of the current row of `read`, whose columns from `first` on are
// kLetterColumns; with `value` as its bytes.
DeadLetter letter_at(const SqliteStatement& read, int first, std::string_view value = {}) {
  const ConsumedRecord record{.partition = static_cast<int32_t>(read.column_int(first)),
                              .offset = read.column_int(first + 1),
                              .key = read.column_blob(first + 2),
                              .value = value};
  DeadLetter letter = dead_letter_of(record, read.column_text(first + 7), read.column_text(first + 3),
                                     std::string(read.column_text(first + 4)),
                                     parse_iso8601_ms(read.column_text(first + 5)).value_or(0));
  letter.attempts = static_cast<int32_t>(read.column_int(first + 6));
  return letter;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open_read_only(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    return Error::make(Errc::not_found,
                       fmt::format("no store at {} (run `kascade run` first, or pass --data-dir)", path.string()));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  store->path_ = path;
  if (auto status = store->db_.open(path.string(), SqliteConnection::Mode::read_only, 10000); !status) {
    return with_context(status).error();
  }
  if (auto status = store->db_.exec("PRAGMA query_only = 1"); !status) return with_context(status).error();
  return store;
}

Status SqliteStore::scan(std::string_view topic, size_t chunk, const ChunkVisitor& visit) {
  auto read = db_.prepare(fmt::format(
      "SELECT id, {}, value FROM dead_letters WHERE topic = ? AND id > ? ORDER BY id LIMIT ?", kLetterColumns));
  if (!read) return with_context(read.status());
  std::vector<DeadLetter> letters;
  int64_t after_id = 0;
  while (true) {
    letters.clear();
    read->bind_text(1, topic);
    read->bind(2, after_id);
    read->bind(3, static_cast<int64_t>(chunk));
    int rc;
    while ((rc = read->step()) == SQLITE_ROW) {
      after_id = read->column_int(0);
      letters.push_back(letter_at(*read, 1, read->column_blob(9)));
    }
    read->reset();  // no read open on the connection while `visit` writes
    if (rc != SQLITE_DONE) return with_context(db_.error(rc, "read dead letters"));
    if (letters.empty()) return ok_status();
    if (auto status = visit(letters); !status) return status;
  }
}

Result<std::vector<ListedDeadLetter>> SqliteStore::list(const DeadLetterFilter& filter) {
  // The newest `last` (or all) by id, read newest first and then turned around.
  std::string where = " WHERE (?1 = '' OR topic = ?1)";
  for (size_t i = 0; i < filter.classes.size(); ++i) {
    fmt::format_to(std::back_inserter(where), "{}?{}", i == 0 ? " AND error_class IN (" : ", ", i + 3);
  }
  if (!filter.classes.empty()) where += ")";
  auto read = db_.prepare(
      fmt::format("SELECT {}, length(value) FROM dead_letters{} ORDER BY id DESC LIMIT ?2", kLetterColumns, where));
  if (!read) return with_context(read.status()).error();
  read->bind_text(1, filter.topic);
  read->bind(2, filter.last == 0 ? int64_t{-1} : static_cast<int64_t>(filter.last));
  for (size_t i = 0; i < filter.classes.size(); ++i) read->bind_text(static_cast<int>(i) + 3, filter.classes[i]);
  std::vector<ListedDeadLetter> listed;
  int rc;
  while ((rc = read->step()) == SQLITE_ROW) listed.push_back({letter_at(*read, 0), read->column_int(8)});
  if (rc != SQLITE_DONE) return with_context(db_.error(rc, "read dead letters")).error();
  std::reverse(listed.begin(), listed.end());
  return listed;
}

Result<DeadLetterSummary> SqliteStore::summary(size_t recent) {
  DeadLetterSummary summary;
  auto counts = db_.prepare(
      "SELECT topic, error_class, count(*), max(failed_at) FROM dead_letters GROUP BY topic, error_class "
      "ORDER BY topic, error_class");
  if (!counts) return with_context(counts.status()).error();
  int rc;
  while ((rc = counts->step()) == SQLITE_ROW) {
    summary.counts.push_back({.topic = std::string(counts->column_text(0)),
                              .error_class = std::string(counts->column_text(1)),
                              .count = counts->column_int(2),
                              .latest_ms = parse_iso8601_ms(counts->column_text(3)).value_or(0)});
  }
  if (rc != SQLITE_DONE) return with_context(db_.error(rc, "count dead letters")).error();
  auto newest = db_.prepare(fmt::format("SELECT {} FROM dead_letters ORDER BY id DESC LIMIT ?", kLetterColumns));
  if (!newest) return with_context(newest.status()).error();
  newest->bind(1, static_cast<int64_t>(recent));
  while ((rc = newest->step()) == SQLITE_ROW) summary.recent.push_back(letter_at(*newest, 0));
  if (rc != SQLITE_DONE) return with_context(db_.error(rc, "read dead letters")).error();
  return summary;
}

}  // namespace kascade
