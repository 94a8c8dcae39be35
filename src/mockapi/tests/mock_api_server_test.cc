// The mock API over loopback: randomuser semantics, cursor pagination and each injected fault.
#include "mockapi/mock_api_server.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>

#include "sources/generator/randomuser_generator.h"
#include "sources/http_client/http_client.h"

namespace kascade {
namespace {

std::string base_url(const MockApiServer& server) { return "http://127.0.0.1:" + std::to_string(server.port()); }

TEST(MockApiServerTest, SameSeedAndPageGiveTheSameUsers) {
  MockApiServer server(MockApiOptions{});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  auto first = client.get(base_url(server) + "/api/?results=3&page=2&seed=abc");
  auto again = client.get(base_url(server) + "/api/?results=3&page=2&seed=abc");
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, again->body);

  RandomUserGenerator generator(GeneratorOptions{.seed = "abc"});
  const std::string expected = "{\"results\":[" + generator.user_json(3) + "," + generator.user_json(4) + "," +
                               generator.user_json(5) +
                               "],\"info\":{\"seed\":\"abc\",\"results\":3,\"page\":2,\"version\":\"1.4\"}}";
  EXPECT_EQ(first->body, expected);
}

TEST(MockApiServerTest, CursorPagesCoverEveryItemOnce) {
  MockApiServer server(MockApiOptions{.items = 250});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  simdjson::dom::parser parser;
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    auto response = client.get(base_url(server) + "/items?limit=100" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_TRUE(response.ok());
    ASSERT_EQ(response->status, 200);
    ++pages;
    simdjson::dom::element doc = parser.parse(response->body);
    for (simdjson::dom::element user : doc["data"]["users"].get_array()) {
      seen.insert(std::string(user["login"]["uuid"].get_string().value()));
    }
    if (doc["paging"]["next_cursor"].is_null()) {
      EXPECT_FALSE(response->header("Link"));
      break;
    }
    EXPECT_TRUE(response->header("Link")->find("rel=\"next\"") != std::string_view::npos);
    cursor = std::string(doc["paging"]["next_cursor"].get_string().value());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 250u);
}

TEST(MockApiServerTest, TooManyRequestsCarriesRetryAfter) {
  MockApiServer server(
      MockApiOptions{.fail_rate = 1.0, .faults = {FaultKind::too_many_requests}, .retry_after_seconds = 7});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  auto response = client.get(base_url(server) + "/api/?results=5");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->header("retry-after"), "7");
  const auto log = server.requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].fault, "429");
}

TEST(MockApiServerTest, ResetDropsTheConnectionMidBody) {
  MockApiServer server(MockApiOptions{.fail_rate = 1.0, .faults = {FaultKind::reset}});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  auto response = client.get(base_url(server) + "/api/?results=50");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::unavailable);
  EXPECT_TRUE(response.error().retriable);
}

TEST(MockApiServerTest, StallMakesTheClientTimeOut) {
  MockApiServer server(
      MockApiOptions{.fail_rate = 1.0, .faults = {FaultKind::stall}, .stall = std::chrono::milliseconds(1500)});
  ASSERT_TRUE(server.start().ok());
  HttpClient client(HttpClientOptions{.timeout = std::chrono::milliseconds(300)});
  auto response = client.get(base_url(server) + "/api/?results=1");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::timeout);
}

TEST(MockApiServerTest, TruncatedAndMalformedBodiesAreNotValidPages) {
  MockApiServer server(MockApiOptions{.fail_rate = 1.0, .faults = {FaultKind::truncated, FaultKind::malformed}});
  ASSERT_TRUE(server.start().ok());
  HttpClient client;
  simdjson::dom::parser parser;
  for (int i = 0; i < 20; ++i) {
    auto response = client.get(base_url(server) + "/api/?results=20&seed=x");
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 200);
    simdjson::dom::element doc;
    const bool valid_page = parser.parse(response->body).get(doc) == simdjson::SUCCESS &&
                            doc["results"].get_array().error() == simdjson::SUCCESS &&
                            doc["results"].get_array().size() == 20;
    EXPECT_FALSE(valid_page) << response->body.substr(0, 200);
  }
}

TEST(MockApiServerTest, BodyOverTheLimitIsTooLarge) {
  MockApiServer server(MockApiOptions{});
  ASSERT_TRUE(server.start().ok());
  HttpClient client(HttpClientOptions{.max_body_bytes = 10000});
  auto response = client.get(base_url(server) + "/api/?results=100");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::too_large);
  EXPECT_FALSE(response.error().retriable);
}

}  // namespace
}  // namespace kascade
