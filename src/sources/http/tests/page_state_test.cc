// Positions of the http source round-trip, reject foreign text, and give the right request URLs.
#include "sources/http/page_state.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(PageState, EveryPaginationRoundTrips) {
  const PageState page{.emitted = 1200, .skip = 200, .page = 7};
  const PageState offset{.emitted = 5, .skip = 1, .offset = 400};
  const PageState cursor{.emitted = 9, .skip = 0, .cursor = "c a/b=="};
  const PageState link{.emitted = 3, .skip = 2, .next_url = "http://127.0.0.1:1/items?cursor=c10&limit=5"};
  const PageState done{.done = true, .emitted = 100};
  for (auto [state, pagination] : {std::pair{page, Pagination::page}, std::pair{offset, Pagination::offset},
                                   std::pair{cursor, Pagination::cursor}, std::pair{link, Pagination::link}}) {
    auto back = parse_position(format_position(state, pagination), pagination);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, state) << format_position(state, pagination);
  }
  auto back = parse_position(format_position(done, Pagination::cursor), Pagination::cursor);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->done);
  EXPECT_EQ(back->emitted, 100u);
}

TEST(PageState, ForeignPositionsAreRefused) {
  EXPECT_EQ(parse_position("12/5000", Pagination::page).error().code, Errc::corrupt);
  EXPECT_EQ(parse_position("1 2 sideways 3", Pagination::page).error().code, Errc::corrupt);
  EXPECT_EQ(parse_position("1 2 page x", Pagination::page).error().code, Errc::corrupt);
  // Written by another pagination: a config change, named as such.
  auto other = parse_position("1 0 cursor c10", Pagination::page);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, Errc::config);
}

TEST(PageState, RequestUrlsFillTheTemplate) {
  const std::string url = "http://h/items?page={page}&offset={offset}&cursor={cursor}";
  EXPECT_EQ(request_url(url, Pagination::page, PageState{.page = 3, .offset = 0}),
            "http://h/items?page=3&offset=0&cursor=");
  EXPECT_EQ(request_url(url, Pagination::cursor, PageState{.cursor = "a b&c"}),
            "http://h/items?page=1&offset=0&cursor=a%20b%26c");
  EXPECT_EQ(request_url("http://h/x", Pagination::link, PageState{}), "http://h/x");
  EXPECT_EQ(request_url("http://h/x", Pagination::link, PageState{.next_url = "http://h/x?p=2"}), "http://h/x?p=2");
}

TEST(PageState, PaginationNames) {
  EXPECT_EQ(*parse_pagination("link"), Pagination::link);
  EXPECT_EQ(parse_pagination("pages").error().code, Errc::config);
}

}  // namespace
}  // namespace kascade
