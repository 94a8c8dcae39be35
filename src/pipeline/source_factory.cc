// pipeline/source_factory.cc: every built-in source, registered here.
#include "pipeline/source_factory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "sources/generator/generator_source.h"
#include "sources/http/http_source.h"
#include "sources/http/request_settings.h"
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

// The value of environment variable `name`; the error names the variable, never a value.
Result<std::string> secret_from_env(const std::string& option, const std::string& name) {
  if (name.empty()) return Error::make(Errc::config, fmt::format("{}: name the environment variable", option));
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    return Error::make(Errc::config, fmt::format("{}: environment variable {} is not set", option, name));
  }
  return std::string(value);
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t chunk = 0;
    for (size_t j = 0; j < 3; ++j) chunk = chunk << 8 | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    for (size_t j = 0; j < 4; ++j) out += j <= n ? kAlphabet[(chunk >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

// source.http.headers ("A: 1; B: 2") plus the Authorization header of source.http.auth.
Result<std::vector<std::string>> http_request_headers(const HttpClientConfig& http) {
  auto headers = parse_header_list(http.headers);
  if (!headers) return Error::make(Errc::config, "source.http.headers: " + headers.error().message);
  if (http.auth == HttpAuth::bearer) {
    auto token = secret_from_env("source.http.token_env", http.token_env);
    if (!token) return token.error();
    headers->push_back("Authorization: Bearer " + *token);
  } else if (http.auth == HttpAuth::basic) {
    auto password = secret_from_env("source.http.password_env", http.password_env);
    if (!password) return password.error();
    headers->push_back("Authorization: Basic " + base64(http.username + ":" + *password));
  }
  return headers;
}

Result<std::unique_ptr<Source>> make_http_source(const Config& config, std::string name,
                                                 std::optional<uint64_t> bound) {
  const HttpClientConfig& http = config.source.http;
  auto pagination = parse_pagination(http.pagination);
  if (!pagination) return Error::make(Errc::config, "source.http.pagination: " + pagination.error().message);
  if (Status status = check_url_template(http.url, *pagination); !status) {
    return Error::make(Errc::config, "source.http.url: " + status.message());
  }
  if (*pagination == Pagination::cursor && http.cursor_pointer.empty()) {
    return Error::make(Errc::config, "source.http.cursor_pointer: required with pagination cursor");
  }
  auto headers = http_request_headers(http);
  if (!headers) return headers.error();
  auto allowed_origins = parse_origin_list(http.allowed_origins);
  if (!allowed_origins) {
    return Error::make(Errc::config, "source.http.allowed_origins: " + allowed_origins.error().message);
  }
  HttpSourceOptions options{.name = std::move(name),
                            .url_template = http.url,
                            .pagination = *pagination,
                            .first_page = static_cast<uint64_t>(http.first_page),
                            .layout = {.records_pointer = http.records_pointer,
                                       .key_pointer = http.key_pointer,
                                       .cursor_pointer = http.cursor_pointer},
                            .headers = std::move(*headers),
                            .max_records = bound,
                            .allowed_origins = std::move(*allowed_origins),
                            .fetch = fetch_policy(http)};
  return std::unique_ptr<Source>(std::make_unique<HttpSource>(std::move(options)));
}

}  // namespace

Result<std::unique_ptr<Source>> make_source(const Config& config) {
  // The checkpoint name: source.name, or the source type when it is not set.
  const std::string name =
      config.source.name.empty() ? std::string(option_name(config.source.type)) : config.source.name;
  std::optional<uint64_t> bound;
  if (config.source.records > 0) bound = static_cast<uint64_t>(config.source.records);
  if (config.source.type == SourceType::randomuser) {
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
  if (config.source.type == SourceType::http) return make_http_source(config, name, bound);
  {
    GeneratorOptions options{.seed = config.source.seed, .malformed_ratio = config.source.malformed_ratio};
    auto source = std::make_unique<GeneratorSource>(options, name, bound);
    source->set_event_time_skew({.jitter_ms = config.source.event_time_jitter_ms,
                                 .late_ratio = config.source.late_ratio,
                                 .late_by_ms = config.source.late_by_ms});
    return std::unique_ptr<Source>(std::move(source));
  }
}

}  // namespace kascade
