// sources/http_client/token_bucket.cc: refill on demand from elapsed time.
#include "sources/http_client/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace kascade {

TokenBucket::TokenBucket(double rate_per_second, double burst, Clock::time_point now)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::try_take(Clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

std::chrono::milliseconds TokenBucket::wait_time(Clock::time_point now) {
  if (unlimited()) return std::chrono::milliseconds(0);
  refill(now);
  if (tokens_ >= 1.0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil((1.0 - tokens_) / rate_ * 1000.0)));
}

}  // namespace kascade
