// sources/http_client/backoff.cc: retry delays and Retry-After parsing.
#include "sources/http_client/backoff.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

namespace kascade {

std::chrono::milliseconds backoff_delay(const BackoffOptions& options, int attempt, std::mt19937_64& rng) {
  const double exponent = std::max(0, attempt - 1);
  const double grown = static_cast<double>(options.initial.count()) * std::pow(options.multiplier, exponent);
  const auto full = static_cast<int64_t>(std::min(grown, static_cast<double>(options.max.count())));
  const int64_t half = full / 2;
  std::uniform_int_distribution<int64_t> jitter(0, full - half);
  return std::chrono::milliseconds(half + jitter(rng));
}

namespace {

std::optional<std::chrono::milliseconds> parse_delta_seconds(std::string_view value) {
  int64_t seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) return std::nullopt;
  // A day is plenty; a larger value is more likely a mistake than a plan.
  return std::chrono::milliseconds(std::min<int64_t>(seconds, 86400) * 1000);
}

// IMF-fixdate, the form RFC 9110 requires senders to use.
std::optional<std::chrono::milliseconds> parse_http_date(std::string_view value,
                                                         std::chrono::system_clock::time_point now) {
  const std::string text(value);
  struct tm parts = {};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const time_t at = timegm(&parts);
  const auto wait = std::chrono::system_clock::from_time_t(at) - now;
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(wait));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') return parse_delta_seconds(value);
  return parse_http_date(value, now);
}

}  // namespace kascade
