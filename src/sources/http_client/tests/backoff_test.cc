// Exponential backoff bounds and Retry-After parsing, without the network.
#include "sources/http_client/backoff.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, GrowsExponentiallyWithinEqualJitterBounds) {
  std::mt19937_64 rng(7);
  const BackoffOptions options{.initial = milliseconds(100), .max = milliseconds(10000), .multiplier = 2.0};
  for (int attempt = 1; attempt <= 6; ++attempt) {
    const int64_t full = 100LL << (attempt - 1);
    for (int i = 0; i < 200; ++i) {
      const auto delay = backoff_delay(options, attempt, rng).count();
      EXPECT_GE(delay, full / 2) << "attempt " << attempt;
      EXPECT_LE(delay, full) << "attempt " << attempt;
    }
  }
}

TEST(BackoffTest, IsCappedAndJittered) {
  std::mt19937_64 rng(1);
  const BackoffOptions options{.initial = milliseconds(100), .max = milliseconds(1000), .multiplier = 2.0};
  int64_t smallest = INT64_MAX, largest = 0;
  for (int i = 0; i < 500; ++i) {
    const auto delay = backoff_delay(options, 30, rng).count();
    smallest = std::min(smallest, delay);
    largest = std::max(largest, delay);
  }
  EXPECT_GE(smallest, 500);
  EXPECT_LE(largest, 1000);
  EXPECT_LT(smallest + 100, largest) << "delays must spread out";
}

TEST(RetryAfterTest, ParsesDeltaSeconds) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(parse_retry_after("120", now), milliseconds(120000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), milliseconds(0));
  EXPECT_EQ(parse_retry_after("1", now), milliseconds(1000));
}

TEST(RetryAfterTest, ParsesHttpDateRelativeToNow) {
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 s since the epoch.
  const auto now = std::chrono::system_clock::from_time_t(1445412480 - 30);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), milliseconds(30000));
  const auto later = std::chrono::system_clock::from_time_t(1445412480 + 30);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", later), milliseconds(0));
}

TEST(RetryAfterTest, RejectsGarbage) {
  const auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_FALSE(parse_retry_after("12abc", now));
  EXPECT_FALSE(parse_retry_after("tomorrow", now));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00", now));
}

}  // namespace
}  // namespace kascade
