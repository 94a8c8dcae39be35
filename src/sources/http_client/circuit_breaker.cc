// sources/http_client/circuit_breaker.cc: the closed / open / half-open state machine.
#include "sources/http_client/circuit_breaker.h"

namespace kascade {

bool CircuitBreaker::allow(Clock::time_point now) {
  if (state_ == State::open && now >= reopens_at()) state_ = State::half_open;
  return state_ != State::open;
}

void CircuitBreaker::record_success() {
  state_ = State::closed;
  consecutive_failures_ = 0;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  ++consecutive_failures_;
  if (state_ == State::half_open || consecutive_failures_ >= options_.failure_threshold) {
    if (state_ != State::open) ++times_opened_;
    state_ = State::open;
    opened_at_ = now;
  }
}

}  // namespace kascade
