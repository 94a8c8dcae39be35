// pipeline/source_factory.cc: every built-in source, registered here.
#include "pipeline/source_factory.h"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "sources/generator/generator_source.h"
#include "sources/http/http_source.h"
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
  std::vector<std::string> headers;
  std::string_view rest = http.headers;
  while (!rest.empty()) {
    const size_t semicolon = rest.find(';');
    std::string_view header = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    if (header.empty()) continue;
    if (header.find(':') == std::string_view::npos || header.front() == ':') {
      // The value may be a secret: name only the header.
      return Error::make(Errc::config, fmt::format("source.http.headers: '{}' is not 'Name: value'",
                                                   header.substr(0, header.find(':'))));
    }
    headers.emplace_back(header);
  }
  if (http.auth == "bearer") {
    auto token = secret_from_env("source.http.token_env", http.token_env);
    if (!token) return token.error();
    headers.push_back("Authorization: Bearer " + *token);
  } else if (http.auth == "basic") {
    auto password = secret_from_env("source.http.password_env", http.password_env);
    if (!password) return password.error();
    headers.push_back("Authorization: Basic " + base64(http.username + ":" + *password));
  }
  return headers;
}

Result<std::unique_ptr<Source>> make_http_source(const Config& config, std::string name,
                                                 std::optional<uint64_t> bound) {
  const HttpClientConfig& http = config.source.http;
  if (http.url.empty()) return Error::make(Errc::config, "source.http.url: required with source.type http");
  auto pagination = parse_pagination(http.pagination);
  if (!pagination) return Error::make(Errc::config, "source.http.pagination: " + pagination.error().message);
  const char* placeholder = *pagination == Pagination::page     ? "{page}"
                            : *pagination == Pagination::offset ? "{offset}"
                            : *pagination == Pagination::cursor ? "{cursor}"
                                                                : nullptr;
  if (placeholder != nullptr && http.url.find(placeholder) == std::string::npos) {
    return Error::make(Errc::config, fmt::format("source.http.url: pagination {} needs {} in the URL template",
                                                 http.pagination, placeholder));
  }
  if (*pagination == Pagination::cursor && http.cursor_pointer.empty()) {
    return Error::make(Errc::config, "source.http.cursor_pointer: required with pagination cursor");
  }
  auto headers = http_request_headers(http);
  if (!headers) return headers.error();
  std::vector<std::string> allowed_origins;
  for (std::string_view rest = http.allowed_origins; !rest.empty();) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    if (!url_origin(std::string(item))) {
      return Error::make(Errc::config, fmt::format("source.http.allowed_origins: '{}' is not an origin such as "
                                                   "https://host:port", item));
    }
    allowed_origins.emplace_back(item);
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
                            .allowed_origins = std::move(allowed_origins),
                            .fetch = fetch_policy(http)};
  return std::unique_ptr<Source>(std::make_unique<HttpSource>(std::move(options)));
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
  if (config.source.type == "http") return make_http_source(config, name, bound);
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
