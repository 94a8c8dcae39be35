// Tests for sources/http/request_settings.h: headers, origins and URL templates of the http source's options.
#include "sources/http/request_settings.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(HeaderList, SplitsNameValueEntries) {
  auto headers = parse_header_list(" Accept: application/json ;; X-Trace: a:b ");
  ASSERT_TRUE(headers.ok()) << headers.error().message;
  EXPECT_EQ(*headers, (std::vector<std::string>{"Accept: application/json", "X-Trace: a:b"}));
  EXPECT_TRUE(parse_header_list("").ok());
}

TEST(HeaderList, RefusesMistakesWithoutShowingValues) {
  auto no_colon = parse_header_list("Accept: x; Authorization Bearer s3cr3t");
  ASSERT_FALSE(no_colon.ok());
  EXPECT_EQ(no_colon.error().code, Errc::config);
  EXPECT_EQ(no_colon.error().message, "header 2 is not 'Name: value' (no ':')");
  EXPECT_EQ(parse_header_list("X Api: s3cr3t").error().message, "header 1: 'X Api' is not a header name");
  EXPECT_EQ(parse_header_list(": s3cr3t").error().message, "header 1: '' is not a header name");
  auto line_break = parse_header_list("X-Key: a\r\nInjected: s3cr3t");
  ASSERT_FALSE(line_break.ok());
  EXPECT_EQ(line_break.error().message.find("s3cr3t"), std::string::npos) << line_break.error().message;
}

TEST(OriginList, TakesOriginsAndRefusesOthers) {
  auto origins = parse_origin_list("http://127.0.0.1:8081, https://example.test");
  ASSERT_TRUE(origins.ok()) << origins.error().message;
  EXPECT_EQ(origins->size(), 2u);
  EXPECT_EQ(parse_origin_list("http://a:1, nowhere").error().message,
            "'nowhere' is not an origin such as https://host:port");
}

TEST(UrlTemplate, NeedsThePaginationsPlaceholderAndAnHttpUrl) {
  EXPECT_TRUE(check_url_template("http://127.0.0.1:9/items?page={page}", Pagination::page).ok());
  EXPECT_TRUE(check_url_template("https://api.test/items?cursor={cursor}", Pagination::cursor).ok());
  EXPECT_EQ(check_url_template("http://127.0.0.1:9/items", Pagination::offset).message(),
            "this pagination needs {offset} in the URL template");
  EXPECT_EQ(check_url_template("", Pagination::none).message(), "required with source.type http");
  EXPECT_FALSE(check_url_template("ftp://host/items", Pagination::none).ok());
  EXPECT_FALSE(check_url_template("items?page={page}", Pagination::page).ok());
}

}  // namespace
}  // namespace kascade
