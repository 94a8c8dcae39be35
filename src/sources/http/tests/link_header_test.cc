// The rel="next" target of Link headers as APIs send them.
#include "sources/http/link_header.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(LinkHeader, FindsNextAmongOthers) {
  EXPECT_EQ(
      next_link(R"(<http://a/x?page=1>; rel="prev", <http://a/x?page=3>; rel="next", <http://a/x?page=9>; rel="last")",
                "http://a/x?page=2"),
      "http://a/x?page=3");
  EXPECT_EQ(next_link("<http://a/x?c=1>; rel=next", "http://a/x"), "http://a/x?c=1");
  EXPECT_EQ(next_link(R"(<http://a/x?c=1>; title="a, b; c"; REL="last next")", "http://a/x"), "http://a/x?c=1");
}

TEST(LinkHeader, NoNextIsNullopt) {
  EXPECT_EQ(next_link(R"(<http://a/x?page=1>; rel="prev")", "http://a/x"), std::nullopt);
  EXPECT_EQ(next_link("", "http://a/x"), std::nullopt);
  EXPECT_EQ(next_link("<http://a/x", "http://a/x"), std::nullopt);
  EXPECT_EQ(next_link(R"(<http://a/x?page=1>; rel="nextpage")", "http://a/x"), std::nullopt);
}

TEST(LinkHeader, RelativeTargetsResolveAgainstTheRequest) {
  EXPECT_EQ(next_link(R"(</v1/items?c=2>; rel="next")", "http://127.0.0.1:8080/v1/items?c=1"),
            "http://127.0.0.1:8080/v1/items?c=2");
  EXPECT_EQ(next_link(R"(<items?c=2>; rel="next")", "http://127.0.0.1:8080/v1/items?c=1"),
            "http://127.0.0.1:8080/v1/items?c=2");
  EXPECT_EQ(next_link(R"(<items?c=2>; rel="next")", "http://127.0.0.1:8080"), "http://127.0.0.1:8080/items?c=2");
}

}  // namespace
}  // namespace kascade
