// HttpSource against the in-process mock API's /items: every pagination, resuming mid-page, faults.
#include "sources/http/http_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "mockapi/mock_api_server.h"
#include "sources/generator/randomuser_generator.h"

namespace kascade {
namespace {

using std::chrono::milliseconds;

constexpr uint64_t kItems = 1234;

HttpSourceOptions options_for(const MockApiServer& server, Pagination pagination, std::string query) {
  HttpSourceOptions options;
  options.url_template = "http://127.0.0.1:" + std::to_string(server.port()) + "/items?" + query;
  options.pagination = pagination;
  options.layout = {
      .records_pointer = "/data/users", .key_pointer = "/login/uuid", .cursor_pointer = "/paging/next_cursor"};
  options.headers = {"Authorization: Bearer not-a-real-token"};
  options.fetch.client.timeout = milliseconds(500);
  options.fetch.backoff = {.initial = milliseconds(5), .max = milliseconds(20)};
  options.fetch.breaker = {.failure_threshold = 1000, .open_for = milliseconds(20)};
  return options;
}

std::optional<std::string> header_of(const Record& record, std::string_view name);

struct Drained {
  std::vector<Record> records;
  std::vector<Record> errors;
  std::string position;
  bool exhausted = false;
};

// Calls next_batch as the ingest loop does, until exhausted or `limit` records.
Drained drain(HttpSource& source, size_t batch, size_t limit = SIZE_MAX) {
  Drained out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (out.records.size() < limit && std::chrono::steady_clock::now() < deadline) {
    auto next = source.next_batch(std::min(batch, limit - out.records.size()));
    EXPECT_TRUE(next) << next.error().message;
    if (!next) break;
    for (Record& record : next->records) {
      (header_of(record, kSourceErrorHeader) ? out.errors : out.records).push_back(std::move(record));
    }
    out.position = next->position;
    if (next->exhausted) {
      out.exhausted = true;
      break;
    }
    if (next->records.empty()) std::this_thread::sleep_for(milliseconds(1));
  }
  return out;
}

std::vector<std::string> expected_keys(uint64_t count) {
  const RandomUserGenerator generator(GeneratorOptions{.seed = MockApiOptions{}.items_seed});
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < count; ++i) keys.push_back(generator.login_uuid(i));
  return keys;
}

// The value of a header of a produced record, if it has one.
std::optional<std::string> header_of(const Record& record, std::string_view name) {
  for (const Header& header : record.headers) {
    if (header.name == name) return header.value;
  }
  return std::nullopt;
}

std::vector<std::string> keys_of(const std::vector<Record>& records) {
  std::vector<std::string> keys;
  for (const Record& record : records) keys.push_back(record.key);
  return keys;
}

class HttpSourceTest : public ::testing::Test {
 protected:
  void start(MockApiOptions options = {}) {
    options.items = kItems;
    server_ = std::make_unique<MockApiServer>(options);
    ASSERT_TRUE(server_->start());
  }
  std::unique_ptr<MockApiServer> server_;
};

TEST_F(HttpSourceTest, EveryPaginationTakesEveryItemOnceInOrder) {
  start();
  const auto expected = expected_keys(kItems);
  for (auto [pagination, query] :
       {std::pair{Pagination::cursor, "limit=100&cursor={cursor}"},
        std::pair{Pagination::page, "per_page=100&page={page}"},
        std::pair{Pagination::offset, "limit=100&offset={offset}"}, std::pair{Pagination::link, "limit=100"}}) {
    HttpSource source(options_for(*server_, pagination, query));
    ASSERT_TRUE(source.resume(std::nullopt));
    Drained out = drain(source, 64);
    EXPECT_TRUE(out.exhausted) << query;
    EXPECT_EQ(keys_of(out.records), expected) << query;
    EXPECT_TRUE(out.errors.empty());
    EXPECT_TRUE(header_of(out.records[0], "fetched_at"));
  }
}

TEST_F(HttpSourceTest, ResumesMidPageWithoutRepeatsOrGaps) {
  start();
  const auto expected = expected_keys(kItems);
  for (auto [pagination, query] :
       {std::pair{Pagination::cursor, "limit=100&cursor={cursor}"}, std::pair{Pagination::link, "limit=100"}}) {
    std::vector<std::string> keys;
    std::optional<std::string> position;
    // Restart after 150 records each time: part of a page is already on the bus.
    for (int run = 0; run < 20; ++run) {
      HttpSource source(options_for(*server_, pagination, query));
      ASSERT_TRUE(source.resume(position));
      Drained out = drain(source, 70, 150);
      for (auto& key : keys_of(out.records)) keys.push_back(key);
      if (!out.position.empty()) position = out.position;
      if (out.exhausted) break;
    }
    EXPECT_EQ(keys, expected) << query;
    // A source resumed at the end has nothing more.
    HttpSource finished(options_for(*server_, pagination, query));
    ASSERT_TRUE(finished.resume(position));
    auto last = finished.next_batch(10);
    ASSERT_TRUE(last);
    EXPECT_TRUE(last->exhausted);
    EXPECT_TRUE(last->records.empty());
  }
}

TEST_F(HttpSourceTest, RecordBoundStopsAndSurvivesRestart) {
  start();
  auto options = options_for(*server_, Pagination::cursor, "limit=100&cursor={cursor}");
  options.max_records = 250;
  HttpSource first(options);
  ASSERT_TRUE(first.resume(std::nullopt));
  Drained out = drain(first, 1000);
  EXPECT_TRUE(out.exhausted);
  EXPECT_EQ(out.records.size(), 250u);
  options.max_records = 260;
  HttpSource second(options);
  ASSERT_TRUE(second.resume(out.position));
  Drained more = drain(second, 1000);
  ASSERT_EQ(more.records.size(), 10u);
  EXPECT_EQ(more.records[0].key, expected_keys(251)[250]);
}

TEST_F(HttpSourceTest, FaultsLoseNothingAndBadBodiesAreHandedOn) {
  start(MockApiOptions{.fail_rate = 0.4, .stall = milliseconds(700), .retry_after_seconds = 0});
  HttpSource source(options_for(*server_, Pagination::cursor, "limit=50&cursor={cursor}"));
  ASSERT_TRUE(source.resume(std::nullopt));
  Drained out = drain(source, 1000);
  EXPECT_TRUE(out.exhausted);
  EXPECT_EQ(keys_of(out.records), expected_keys(kItems));
  EXPECT_FALSE(out.errors.empty());
  for (const Record& error : out.errors) {
    EXPECT_EQ(header_of(error, kSourceErrorHeader).value_or("").rfind("source: malformed body of http://", 0), 0u);
    EXPECT_EQ(header_of(error, kSourceErrorHeader).value_or("").find("not-a-real-token"), std::string::npos);
  }
  EXPECT_GT(source.fetch_stats().failures, out.errors.size());
}

TEST_F(HttpSourceTest, AWholeBodyArrayWithoutPaginationIsOneRequest) {
  start();
  auto options = options_for(*server_, Pagination::none, "limit=7");
  HttpSource source(options);
  ASSERT_TRUE(source.resume(std::nullopt));
  Drained out = drain(source, 3);
  EXPECT_TRUE(out.exhausted);
  EXPECT_EQ(keys_of(out.records), expected_keys(7));
}

}  // namespace
}  // namespace kascade
