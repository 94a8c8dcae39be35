// sources/http_client/circuit_breaker.h: stop calling a failing server for a while.
#pragma once

#include <chrono>

namespace kascade {

struct CircuitBreakerOptions {
  int failure_threshold = 5;                  // consecutive failures that open the circuit
  std::chrono::milliseconds open_for{10000};  // how long it stays open before one trial call
};

// closed: calls go through, consecutive failures are counted. open: no call
// until `open_for` has passed. half_open: one trial call; its success closes
// the circuit, its failure opens it again. Not thread-safe (one owner).
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  explicit CircuitBreaker(CircuitBreakerOptions options) : options_(options) {}

  // May a call go out now? (Moves open -> half_open when the time is up.)
  bool allow(Clock::time_point now);
  // When the open circuit lets a trial call through.
  Clock::time_point reopens_at() const { return opened_at_ + options_.open_for; }

  void record_success();
  void record_failure(Clock::time_point now);

  State state() const { return state_; }
  int times_opened() const { return times_opened_; }

 private:
  CircuitBreakerOptions options_;
  State state_ = State::closed;
  int consecutive_failures_ = 0;
  int times_opened_ = 0;
  Clock::time_point opened_at_{};
};

}  // namespace kascade
