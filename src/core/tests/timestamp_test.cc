// Tests for core/timestamp.h.
#include "core/timestamp.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

TEST(Timestamp, ParsesWithAndWithoutMilliseconds) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_iso8601_ms("1993-07-20T09:44:18.674Z"), 743161458674);
  EXPECT_EQ(parse_iso8601_ms("1993-07-20T09:44:18Z"), 743161458000);
  EXPECT_EQ(parse_iso8601_ms("1993-07-20 09:44:18"), 743161458000);
  EXPECT_EQ(parse_iso8601_ms("1993-07-20T11:44:18+02:00"), 743161458000);
  EXPECT_EQ(parse_iso8601_ms("1945-03-01T00:00:00.000Z"), -783820800000);
}

TEST(Timestamp, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_iso8601_ms("2021-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2021-13-01T00:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2021-01-01T24:00:00Z"));
  EXPECT_FALSE(parse_iso8601_ms("2021-01-01"));
  EXPECT_FALSE(parse_iso8601_ms("yesterday"));
  EXPECT_FALSE(parse_iso8601_ms("2021-01-01T00:00:00Zjunk"));
  EXPECT_TRUE(parse_iso8601_ms("2020-02-29T00:00:00Z"));
}

TEST(Timestamp, FormatsRoundTrip) {
  EXPECT_EQ(format_iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(743161458674), "1993-07-20T09:44:18.674Z");
  EXPECT_EQ(format_iso8601_ms(-783820800000), "1945-03-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601_ms(-1), "1969-12-31T23:59:59.999Z");
  for (int64_t ms : {int64_t{1}, int64_t{-86400001}, int64_t{1700000000123}, int64_t{951782400000}}) {
    EXPECT_EQ(parse_iso8601_ms(format_iso8601_ms(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace kascade
