// sources/http_client/retrying_fetcher.cc: one attempt per call, with the waiting done by the caller's loop.
#include "sources/http_client/retrying_fetcher.h"

#include <fmt/format.h>

#include <algorithm>

namespace kascade {
namespace {

bool retriable_status(long status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

}  // namespace

RetryingFetcher::RetryingFetcher(FetchPolicy policy)
    : policy_(policy),
      client_(policy.client),
      bucket_(policy.requests_per_second, std::max(1.0, policy.requests_per_second)),
      breaker_(policy.breaker),
      rng_(policy.jitter_seed) {}

std::chrono::milliseconds RetryingFetcher::retry_in() const {
  const auto now = Clock::now();
  auto until = not_before_;
  if (breaker_.state() == CircuitBreaker::State::open) until = std::max(until, breaker_.reopens_at());
  if (until <= now) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(until - now);
}

Result<std::optional<HttpResponse>> RetryingFetcher::fetch(const std::string& url,
                                                           const std::vector<std::string>& headers) {
  if (awaiting_verdict_) {
    // The last 2xx body was not rejected: the server is healthy again.
    awaiting_verdict_ = false;
    consecutive_failures_ = 0;
    breaker_.record_success();
  }
  const auto now = Clock::now();
  if (now < not_before_ || !breaker_.allow(now) || !bucket_.try_take(now)) return std::optional<HttpResponse>();

  ++stats_.requests;
  auto response = client_.get(url, headers);
  if (!response) {
    if (!response.error().retriable) return response.error();
    if (auto status = note_failure(response.error().message, std::nullopt); !status) return status.error();
    return std::optional<HttpResponse>();
  }
  const long status = response->status;
  if (status >= 200 && status <= 299) {
    awaiting_verdict_ = true;  // a success once the caller has not rejected the body (next call)
    ++stats_.successes;        // taken back by reject_response()
    return std::optional<HttpResponse>(std::move(*response));
  }
  if (!retriable_status(status)) {
    return Error::make(Errc::unavailable, fmt::format("GET {}: HTTP {}", url, status));
  }
  std::optional<std::chrono::milliseconds> server_wait;
  if (auto header = response->header("Retry-After")) {
    server_wait = parse_retry_after(*header, std::chrono::system_clock::now());
  }
  if (auto failed = note_failure(fmt::format("GET {}: HTTP {}", url, status), server_wait); !failed) {
    return failed.error();
  }
  return std::optional<HttpResponse>();
}

void RetryingFetcher::reject_response(const std::string& reason) {
  // A malformed body never ends the source: it is retried for as long as it takes.
  if (awaiting_verdict_ && stats_.successes > 0) --stats_.successes;
  awaiting_verdict_ = false;
  (void)note_failure(reason, std::nullopt);
  if (consecutive_failures_ > 0 && policy_.max_attempts > 0) {
    consecutive_failures_ = std::min(consecutive_failures_, policy_.max_attempts - 1);
  }
}

Status RetryingFetcher::note_failure(const std::string& reason, std::optional<std::chrono::milliseconds> server_wait) {
  const auto now = Clock::now();
  ++stats_.failures;
  ++consecutive_failures_;
  last_failure_ = reason;
  const int opened_before = breaker_.times_opened();
  breaker_.record_failure(now);
  stats_.circuit_opened += static_cast<uint64_t>(breaker_.times_opened() - opened_before);
  if (policy_.max_attempts > 0 && consecutive_failures_ >= policy_.max_attempts) {
    return Error::make(Errc::unavailable,
                       fmt::format("gave up after {} failed attempts; last: {}", consecutive_failures_, reason));
  }
  auto wait = backoff_delay(policy_.backoff, consecutive_failures_, rng_);
  if (server_wait && *server_wait > wait) {
    wait = *server_wait;
    ++stats_.retry_after_honoured;
  }
  not_before_ = now + wait;
  return ok_status();
}

}  // namespace kascade
