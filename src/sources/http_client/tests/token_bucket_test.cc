// The token bucket with a simulated clock.
#include "sources/http_client/token_bucket.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

using std::chrono::milliseconds;

TEST(TokenBucketTest, AllowsTheBurstThenTheRate) {
  const auto start = TokenBucket::Clock::time_point{} + std::chrono::hours(1);
  TokenBucket bucket(10.0, 3.0, start);
  EXPECT_TRUE(bucket.try_take(start));
  EXPECT_TRUE(bucket.try_take(start));
  EXPECT_TRUE(bucket.try_take(start));
  EXPECT_FALSE(bucket.try_take(start));
  EXPECT_EQ(bucket.wait_time(start), milliseconds(100));
  EXPECT_FALSE(bucket.try_take(start + milliseconds(50)));
  EXPECT_TRUE(bucket.try_take(start + milliseconds(100)));
  EXPECT_FALSE(bucket.try_take(start + milliseconds(100)));
}

TEST(TokenBucketTest, CountsRequestsPerSecondOverALongRun) {
  const auto start = TokenBucket::Clock::time_point{} + std::chrono::hours(1);
  TokenBucket bucket(50.0, 1.0, start);
  int taken = 0;
  for (int ms = 0; ms < 10000; ++ms) taken += bucket.try_take(start + milliseconds(ms)) ? 1 : 0;
  EXPECT_NEAR(taken, 500, 2);
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket bucket(0.0, 1.0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(bucket.try_take(TokenBucket::Clock::now()));
  EXPECT_EQ(bucket.wait_time(TokenBucket::Clock::now()), milliseconds(0));
}

}  // namespace
}  // namespace kascade
