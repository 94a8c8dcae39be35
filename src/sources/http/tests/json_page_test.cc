// Splitting JSON API pages: records by pointer, byte-exact values, keys, cursors, malformed bodies.
#include "sources/http/json_page.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

JsonPageLayout layout(std::string records, std::string key, std::string cursor = "") {
  return {.records_pointer = std::move(records), .key_pointer = std::move(key), .cursor_pointer = std::move(cursor)};
}

TEST(JsonPage, RecordsKeysAndCursor) {
  JsonPageParser parser(layout("/data/users", "/login/uuid", "/paging/next_cursor"));
  std::string body = R"({"data":{"users":[ {"login":{"uuid":"u1"},"n":1.10} ,
    {"login":{"uuid":"u2"},"s":"\u00e9"}]},"paging":{"next_cursor":"c2a"}})";
  auto page = parser.parse(body);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->records.size(), 2u);
  EXPECT_EQ(page->records[0].key, "u1");
  EXPECT_EQ(page->records[0].json, R"({"login":{"uuid":"u1"},"n":1.10})");  // bytes as sent, 1.10 kept
  EXPECT_EQ(page->records[1].json, R"({"login":{"uuid":"u2"},"s":"\u00e9"})");
  EXPECT_EQ(page->next_cursor, "c2a");
}

TEST(JsonPage, TopLevelArrayNumericKeysAndNoCursor) {
  JsonPageParser parser(layout("", "/id", "/next"));
  std::string body = R"([{"id":42},{"id":null},{"x":1}])";
  auto page = parser.parse(body);
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->records.size(), 3u);
  EXPECT_EQ(page->records[0].key, "42");
  EXPECT_EQ(page->records[1].key, "");
  EXPECT_EQ(page->records[2].key, "");
  EXPECT_EQ(page->next_cursor, std::nullopt);
}

TEST(JsonPage, NullOrEmptyCursorMeansLastPage) {
  JsonPageParser parser(layout("/items", "/id", "/next"));
  for (std::string body : {R"({"items":[],"next":null})", R"({"items":[],"next":""})"}) {
    auto page = parser.parse(body);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->next_cursor, std::nullopt) << body;
  }
  std::string numeric = R"({"items":[],"next":1234})";
  EXPECT_EQ(parser.parse(numeric)->next_cursor, "1234");
}

TEST(JsonPage, MalformedBodiesAreRefusedWhole) {
  JsonPageParser parser(layout("/items", "/id"));
  for (std::string body : {std::string(R"({"items":[{"id":1},{"id":2)"), std::string(R"({"items":{"id":1}})"),
                           std::string(R"({"other":[]})"), std::string(R"({"items":[1,2]})"),
                           std::string(R"({"items":[{"id":1}]} trailing)"),
                           std::string("{\"items\":[{\"id\":\"\xC3\x28\"}]}"), std::string("")}) {
    auto page = parser.parse(body);
    ASSERT_FALSE(page) << body;
    // Nothing at all at the records pointer is told apart: on a first page it is a wrong pointer.
    EXPECT_EQ(page.error().code, body == R"({"other":[]})" ? Errc::not_found : Errc::corrupt) << body;
  }
}

TEST(JsonPage, TellsAMissingCursorFromANullOne) {
  JsonPageLayout with_cursor{.records_pointer = "/items", .key_pointer = "", .cursor_pointer = "/next"};
  JsonPageParser parser(with_cursor);
  std::string missing = R"({"items":[]})", null = R"({"items":[],"next":null})", set = R"({"items":[],"next":"c2"})";
  EXPECT_FALSE(parser.parse(missing)->cursor_present);
  auto null_page = parser.parse(null);
  EXPECT_TRUE(null_page->cursor_present);
  EXPECT_FALSE(null_page->next_cursor.has_value());
  EXPECT_EQ(parser.parse(set)->next_cursor.value_or(""), "c2");
}

}  // namespace
}  // namespace kascade
