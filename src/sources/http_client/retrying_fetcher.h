// sources/http_client/retrying_fetcher.h: GET with a rate limit, retries, backoff and a circuit breaker.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sources/http_client/backoff.h"
#include "sources/http_client/circuit_breaker.h"
#include "sources/http_client/http_client.h"
#include "sources/http_client/token_bucket.h"
#include "sources/source.h"

namespace kascade {

struct FetchPolicy {
  HttpClientOptions client;
  double requests_per_second = 0;  // 0: no rate limit
  BackoffOptions backoff;
  CircuitBreakerOptions breaker;
  int max_attempts = 0;  // consecutive failed attempts before giving up (0: never give up)
  uint64_t jitter_seed = std::random_device{}();
};

// What a fetcher has seen; the sources report these in their summaries and tests check them.
struct FetchStats {
  uint64_t requests = 0;
  uint64_t successes = 0;  // 2xx responses whose body the caller did not reject
  uint64_t failures = 0;   // timeouts, transport errors, 429, 5xx, bodies the caller rejected
  uint64_t retry_after_honoured = 0;
  uint64_t circuit_opened = 0;
};

// Fetches one URL at a time for a source. Never sleeps: fetch() either makes
// an attempt or says "not now" (rate limit, backoff, open circuit), so the
// caller's loop stays responsive to stop requests. Failures that may pass
// (timeouts, refused or reset connections, 429, 408, 5xx) schedule a retry
// after an exponential backoff with jitter, or after Retry-After when the
// server asks for longer. Not thread-safe: one source thread owns it.
class RetryingFetcher {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RetryingFetcher(FetchPolicy policy);

  // A 2xx response; nullopt when no attempt was possible or the attempt
  // failed retriably (a retry is scheduled; see retry_in()). Errors: a
  // non-retriable status or transport failure, or max_attempts exhausted.
  Result<std::optional<HttpResponse>> fetch(const std::string& url, const std::vector<std::string>& headers = {});

  // The caller found the 2xx body unusable (malformed): count it as a
  // failure, so the retry of the same request backs off too (and further
  // after earlier failures). A 2xx not rejected before the next fetch()
  // counts as a success.
  void reject_response(const std::string& reason);

  // How long before fetch() will make an attempt (zero: now).
  std::chrono::milliseconds retry_in() const;

  const FetchStats& stats() const { return stats_; }
  const std::string& last_failure() const { return last_failure_; }
  bool circuit_open() const { return breaker_.state() == CircuitBreaker::State::open; }
  // The stats as the runner sees them (source.h).
  SourceHealth health() const { return SourceHealth{stats_.successes, stats_.failures, last_failure_, circuit_open()}; }

 private:
  Status note_failure(const std::string& reason, std::optional<std::chrono::milliseconds> server_wait);

  FetchPolicy policy_;
  HttpClient client_;
  TokenBucket bucket_;
  CircuitBreaker breaker_;
  std::mt19937_64 rng_;
  int consecutive_failures_ = 0;
  bool awaiting_verdict_ = false;  // a 2xx was handed out; reject_response() may still call it a failure
  Clock::time_point not_before_{};
  std::string last_failure_;
  FetchStats stats_;
};

}  // namespace kascade
