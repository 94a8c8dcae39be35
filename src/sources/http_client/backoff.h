// sources/http_client/backoff.h: retry delays (exponential backoff with jitter) and Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace kascade {

struct BackoffOptions {
  std::chrono::milliseconds initial{200};  // delay before the first retry (before jitter)
  std::chrono::milliseconds max{30000};    // cap of the exponential growth
  double multiplier = 2.0;
};

// Delay before retry number `attempt` (1 = first retry): d = min(max,
// initial * multiplier^(attempt-1)), then "equal jitter": d/2 plus a random
// share of d/2. Clients that failed together spread out, yet every delay
// keeps a floor of d/2 so a struggling server always gets some rest.
std::chrono::milliseconds backoff_delay(const BackoffOptions& options, int attempt, std::mt19937_64& rng);

// The wait a Retry-After header asks for: delta-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`; a date in
// the past is zero). nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace kascade
