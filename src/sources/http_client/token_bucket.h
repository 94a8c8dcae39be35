// sources/http_client/token_bucket.h: a token-bucket rate limit (requests per second with a burst).
#pragma once

#include <chrono>

namespace kascade {

// Holds up to `burst` tokens, refilled at `rate_per_second`; each request
// takes one. A rate of 0 means unlimited. Times are passed in, so tests need
// no clock. Not thread-safe: one owner (a source, or the mock server under
// its lock).
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double rate_per_second, double burst, Clock::time_point now = Clock::now());

  // Takes a token if one is there.
  bool try_take(Clock::time_point now);
  // How long until a token is there (zero if one is now).
  std::chrono::milliseconds wait_time(Clock::time_point now);

  bool unlimited() const { return rate_ <= 0; }

 private:
  void refill(Clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace kascade
