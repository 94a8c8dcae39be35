// RandomUserSource against the in-process mock API: paging, resuming, faults, dead-lettered bodies.
#include "sources/randomuser/randomuser_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "mockapi/mock_api_server.h"
#include "sources/generator/randomuser_generator.h"

namespace kascade {
namespace {

using std::chrono::milliseconds;

RandomUserSourceOptions options_for(const MockApiServer& server, uint32_t per_page, uint64_t max_records) {
  RandomUserSourceOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/";
  options.seed = "source-test";
  options.results_per_page = per_page;
  options.max_records = max_records;
  options.fetch.client.timeout = milliseconds(500);
  options.fetch.backoff = {.initial = milliseconds(10), .max = milliseconds(50)};
  options.fetch.breaker = {.failure_threshold = 50, .open_for = milliseconds(50)};
  return options;
}

struct Drained {
  std::vector<Record> users;
  std::vector<Record> errors;
  std::string position;
};

// Calls next_batch until the source is exhausted (or `limit` users), as the ingest loop does.
Drained drain(RandomUserSource& source, size_t batch, size_t limit = SIZE_MAX) {
  Drained out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (out.users.size() < limit && std::chrono::steady_clock::now() < deadline) {
    auto next = source.next_batch(batch);
    if (!next.ok()) {
      ADD_FAILURE() << next.error().message;
      break;
    }
    for (Record& record : next->records) {
      const bool failed = std::any_of(record.headers.begin(), record.headers.end(),
                                      [](const Header& h) { return h.name == kSourceErrorHeader; });
      (failed ? out.errors : out.users).push_back(std::move(record));
    }
    out.position = next->position;
    if (next->exhausted) break;
    if (next->records.empty()) std::this_thread::sleep_for(milliseconds(2));
  }
  return out;
}

TEST(RandomUserSourceTest, PagesThroughTheSeedInOrderWithHeaders) {
  MockApiServer server(MockApiOptions{});
  ASSERT_TRUE(server.start().ok());
  RandomUserSource source(options_for(server, 40, 100));
  ASSERT_TRUE(source.resume(std::nullopt).ok());
  Drained got = drain(source, 30);
  ASSERT_EQ(got.users.size(), 100u);
  EXPECT_TRUE(got.errors.empty());
  EXPECT_EQ(got.position, "100/40");
  RandomUserGenerator generator(GeneratorOptions{.seed = "source-test"});
  for (uint64_t i = 0; i < 100; ++i) {
    ASSERT_EQ(got.users[i].key, generator.login_uuid(i));
    ASSERT_EQ(got.users[i].value, generator.user_json(i));
  }
  const auto& headers = got.users[45].headers;
  EXPECT_EQ(headers[0].name, "source");
  EXPECT_EQ(headers[1].name, "fetched_at");
  EXPECT_EQ(headers[2].value, "source-test");
  EXPECT_EQ(headers[3].value, "2");  // user 45 is on page 2 of 40-user pages
  EXPECT_EQ(server.requests().size(), 3u) << "three pages of 40 hold users 0..99";
}

TEST(RandomUserSourceTest, ResumesMidPageWithoutRepeatingOrSkipping) {
  MockApiServer server(MockApiOptions{});
  ASSERT_TRUE(server.start().ok());
  RandomUserSource first(options_for(server, 40, 100));
  ASSERT_TRUE(first.resume(std::nullopt).ok());
  Drained before = drain(first, 7, 50);  // stops inside page 2
  ASSERT_EQ(before.position, "54/40");   // 40 in six batches (the last cut at the page end), then 7 + 7

  RandomUserSource second(options_for(server, 40, 100));
  ASSERT_TRUE(second.resume(before.position).ok());
  Drained after = drain(second, 7);
  RandomUserGenerator generator(GeneratorOptions{.seed = "source-test"});
  ASSERT_EQ(before.users.size() + after.users.size(), 100u);
  for (uint64_t i = 0; i < after.users.size(); ++i) EXPECT_EQ(after.users[i].key, generator.login_uuid(54 + i));
}

TEST(RandomUserSourceTest, RejectsPositionsItCannotHaveWritten) {
  MockApiServer server(MockApiOptions{});
  RandomUserSource source(options_for(server, 40, 100));
  EXPECT_EQ(source.resume(std::string("12")).error().code, Errc::corrupt);
  EXPECT_EQ(source.resume(std::string("x/40")).error().code, Errc::corrupt);
  EXPECT_EQ(source.resume(std::string("12/50")).error().code, Errc::config);
}

TEST(RandomUserSourceTest, LosesNoUserThroughEveryFaultAndDeadLettersBadBodies) {
  MockApiServer server(
      MockApiOptions{.fail_rate = 0.4, .fault_seed = 3, .stall = milliseconds(800), .retry_after_seconds = 0});
  ASSERT_TRUE(server.start().ok());
  RandomUserSource source(options_for(server, 25, 1000));
  ASSERT_TRUE(source.resume(std::nullopt).ok());
  Drained got = drain(source, 100);
  ASSERT_EQ(got.users.size(), 1000u);
  RandomUserGenerator generator(GeneratorOptions{.seed = "source-test"});
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(got.users[i].key, generator.login_uuid(i)) << i;

  uint64_t bad_bodies = 0;
  for (const MockRequest& request : server.requests()) {
    bad_bodies += request.fault == "truncated" || request.fault == "malformed" ? 1 : 0;
  }
  EXPECT_GT(bad_bodies, 0u);
  EXPECT_EQ(got.errors.size(), bad_bodies) << "every malformed body is handed on for the dead letters";
  for (const Record& error : got.errors) {
    EXPECT_TRUE(error.headers.back().value.starts_with("source: malformed body of page")) << error.headers.back().value;
  }
  EXPECT_GT(source.fetch_stats().failures, bad_bodies);
}

TEST(RandomUserSourceTest, WaitsAsLongAsRetryAfterAsks) {
  MockApiServer server(
      MockApiOptions{.fail_rate = 1.0, .faults = {FaultKind::too_many_requests}, .retry_after_seconds = 1});
  ASSERT_TRUE(server.start().ok());
  RandomUserSource source(options_for(server, 5, 5));
  ASSERT_TRUE(source.resume(std::nullopt).ok());
  const auto until = std::chrono::steady_clock::now() + milliseconds(2500);
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_TRUE(source.next_batch(5).ok());
    std::this_thread::sleep_for(milliseconds(5));
  }
  const auto log = server.requests();
  ASSERT_GE(log.size(), 2u);
  ASSERT_LE(log.size(), 3u) << "a request per second at most";
  for (size_t i = 1; i < log.size(); ++i) EXPECT_GE(log[i].at_ms - log[i - 1].at_ms, 990);
  EXPECT_GE(source.fetch_stats().retry_after_honoured, 1u);
}

}  // namespace
}  // namespace kascade
