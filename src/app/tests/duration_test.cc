// Tests for parse_duration (the --duration flag).
#include <gtest/gtest.h>

#include "app/commands.h"

namespace kascade {
namespace {

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("60s"), std::chrono::seconds(60));
  EXPECT_EQ(parse_duration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("7"), std::chrono::seconds(7));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("10 minutes"));
  EXPECT_FALSE(parse_duration("-5s"));
}

}  // namespace
}  // namespace kascade
