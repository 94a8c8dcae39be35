// The circuit breaker's state machine with a simulated clock.
#include "sources/http_client/circuit_breaker.h"

#include <gtest/gtest.h>

namespace kascade {
namespace {

using std::chrono::milliseconds;
using State = CircuitBreaker::State;

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailuresAndProbesWhenTimeIsUp) {
  const auto t0 = CircuitBreaker::Clock::time_point{} + std::chrono::hours(1);
  CircuitBreaker breaker({.failure_threshold = 3, .open_for = milliseconds(1000)});
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.state(), State::open);
  EXPECT_FALSE(breaker.allow(t0 + milliseconds(999)));
  EXPECT_TRUE(breaker.allow(t0 + milliseconds(1000)));
  EXPECT_EQ(breaker.state(), State::half_open);
  EXPECT_EQ(breaker.times_opened(), 1);
}

TEST(CircuitBreakerTest, AFailedProbeReopensAndASuccessCloses) {
  const auto t0 = CircuitBreaker::Clock::time_point{} + std::chrono::hours(1);
  CircuitBreaker breaker({.failure_threshold = 2, .open_for = milliseconds(100)});
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  ASSERT_TRUE(breaker.allow(t0 + milliseconds(100)));
  breaker.record_failure(t0 + milliseconds(100));
  EXPECT_EQ(breaker.state(), State::open);
  EXPECT_FALSE(breaker.allow(t0 + milliseconds(150)));
  ASSERT_TRUE(breaker.allow(t0 + milliseconds(200)));
  breaker.record_success();
  EXPECT_EQ(breaker.state(), State::closed);
  breaker.record_failure(t0 + milliseconds(300));
  EXPECT_TRUE(breaker.allow(t0 + milliseconds(300))) << "one failure after a success must not reopen";
  EXPECT_EQ(breaker.times_opened(), 2);
}

TEST(CircuitBreakerTest, SuccessesResetTheCount) {
  const auto t0 = CircuitBreaker::Clock::time_point{} + std::chrono::hours(1);
  CircuitBreaker breaker({.failure_threshold = 2, .open_for = milliseconds(100)});
  for (int i = 0; i < 10; ++i) {
    breaker.record_failure(t0);
    breaker.record_success();
  }
  EXPECT_EQ(breaker.state(), State::closed);
}

}  // namespace
}  // namespace kascade
