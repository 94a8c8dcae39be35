// app/source_factory.cc: every built-in source, registered here.
#include "app/source_factory.h"

#include <fmt/format.h>

#include "sources/generator/generator_source.h"
#include "sources/randomuser/randomuser_source.h"

namespace kascade {
namespace {

FetchPolicy fetch_policy(const HttpClientConfig& http) {
  using std::chrono::milliseconds;
  FetchPolicy policy;
  policy.client = {.timeout = milliseconds(http.timeout_ms),
                   .connect_timeout = milliseconds(http.connect_timeout_ms),
                   .max_body_bytes = static_cast<size_t>(http.max_body_bytes)};
  policy.requests_per_second = http.requests_per_second;
  policy.backoff = {.initial = milliseconds(http.backoff_initial_ms), .max = milliseconds(http.backoff_max_ms)};
  policy.breaker = {.failure_threshold = static_cast<int>(http.breaker_failures),
                    .open_for = milliseconds(http.breaker_open_ms)};
  policy.max_attempts = static_cast<int>(http.max_attempts);
  return policy;
}

}  // namespace

Result<std::unique_ptr<Source>> make_source(const Config& config) {
  // The checkpoint name: source.name, or the source type when it is not set.
  const std::string name = config.source.name.empty() ? config.source.type : config.source.name;
  std::optional<uint64_t> bound;
  if (config.source.records > 0) bound = static_cast<uint64_t>(config.source.records);
  if (config.source.type == "randomuser") {
    const RandomUserSourceConfig& api = config.source.randomuser;
    RandomUserSourceOptions options{.name = name,
                                    .url = api.url,
                                    .seed = config.source.seed,
                                    .results_per_page = static_cast<uint32_t>(api.results_per_page),
                                    .nat = api.nat,
                                    .inc = api.inc,
                                    .exc = api.exc,
                                    .max_records = bound,
                                    .fetch = fetch_policy(config.source.http)};
    return std::unique_ptr<Source>(std::make_unique<RandomUserSource>(std::move(options)));
  }
  if (config.source.type == "generator") {
    GeneratorOptions options{.seed = config.source.seed, .malformed_ratio = config.source.malformed_ratio};
    auto source = std::make_unique<GeneratorSource>(options, name, bound);
    source->set_event_time_skew({.jitter_ms = config.source.event_time_jitter_ms,
                                 .late_ratio = config.source.late_ratio,
                                 .late_by_ms = config.source.late_by_ms});
    return std::unique_ptr<Source>(std::move(source));
  }
  return Error::make(Errc::config, fmt::format("source.type: unknown source '{}'", config.source.type));
}

}  // namespace kascade
