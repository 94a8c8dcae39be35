// Splitting randomuser API bodies into users, and rejecting every malformed body.
#include "sources/randomuser/randomuser_page.h"

#include <gtest/gtest.h>

#include "sources/generator/randomuser_generator.h"

namespace kascade {
namespace {

std::string page_of(const RandomUserGenerator& generator, uint64_t first, uint64_t count, bool pretty = false) {
  std::string body = "{\"results\":[";
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) body += pretty ? ",\n  " : ",";
    body += generator.user_json(first + i);
  }
  body += pretty ? "\n]," : "],";
  body += R"("info":{"seed":"s","results":3,"page":1,"version":"1.4"}})";
  return body;
}

TEST(RandomUserPageTest, SplitsResultsKeepingEachUserByteForByte) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "page-test"});
  for (const bool pretty : {false, true}) {
    std::string body = page_of(generator, 10, 3, pretty);
    RandomUserPageParser parser;
    auto users = parser.parse(body);
    ASSERT_TRUE(users.ok()) << users.error().message;
    ASSERT_EQ(users->size(), 3u);
    for (uint64_t i = 0; i < 3; ++i) {
      EXPECT_EQ((*users)[i].json, generator.user_json(10 + i));
      EXPECT_EQ((*users)[i].key, generator.login_uuid(10 + i));
    }
  }
}

TEST(RandomUserPageTest, InfoBeforeResultsAndUnknownKeysAreFine) {
  std::string body = R"({"info":{"page":1},"extra":[1,{"a":2}],"results":[{"login":{"uuid":"u-1"},"x":1}]})";
  RandomUserPageParser parser;
  auto users = parser.parse(body);
  ASSERT_TRUE(users.ok()) << users.error().message;
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ((*users)[0].key, "u-1");
  EXPECT_EQ((*users)[0].json, R"({"login":{"uuid":"u-1"},"x":1})");
}

TEST(RandomUserPageTest, AUserWithoutUuidKeepsAnEmptyKey) {
  std::string body = R"({"results":[{"name":"x"},{"login":{"uuid":7}}]})";
  RandomUserPageParser parser;
  auto users = parser.parse(body);
  ASSERT_TRUE(users.ok()) << users.error().message;
  ASSERT_EQ(users->size(), 2u);
  EXPECT_EQ((*users)[0].key, "");
  EXPECT_EQ((*users)[1].key, "");
}

TEST(RandomUserPageTest, RejectsEveryMalformedBody) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "page-test"});
  const std::string good = page_of(generator, 0, 4);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated", good.substr(0, good.size() / 2)},
      {"cut at the end", good.substr(0, good.size() - 1)},
      {"html", "<html><body>502 Bad Gateway</body></html>"},
      {"empty", ""},
      {"api error", R"({"error":"Uh oh, something has gone wrong."})"},
      {"no results", R"({"info":{"page":1}})"},
      {"results not an array", R"({"results":{"a":1}})"},
      {"a result not an object", R"({"results":[{"login":{"uuid":"a"}},42]})"},
      {"invalid utf-8", std::string("{\"results\":[{\"name\":\"\xC3\x28\"}]}")},
      {"trailing garbage", R"({"results":[]} xyz)"},
  };
  RandomUserPageParser parser;
  for (const auto& [what, text] : cases) {
    std::string body = text;
    auto users = parser.parse(body);
    EXPECT_FALSE(users.ok()) << what;
    if (!users.ok()) {
      EXPECT_EQ(users.error().code, Errc::corrupt) << what;
    }
  }
  std::string body = good;
  EXPECT_TRUE(parser.parse(body).ok()) << "the parser must recover after failures";
}

}  // namespace
}  // namespace kascade
