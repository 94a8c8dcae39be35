// sources/http_client/http_client.h: blocking HTTP GET over libcurl, with limits and typed errors.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kascade {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30000};  // whole request, body included
  std::chrono::milliseconds connect_timeout{10000};
  size_t max_body_bytes = 64u << 20;  // a larger body fails with Errc::too_large
};

struct HttpResponse {
  long status = 0;
  std::string body;  // the body bytes, with SIMDJSON-sized spare capacity behind them
  std::vector<std::pair<std::string, std::string>> headers;  // in order; names as sent

  // The first header with this name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

// "scheme://host:port" of an absolute http(s) URL (scheme and host lower
// case, the scheme's default port filled in); Errc::invalid_argument otherwise.
Result<std::string> url_origin(const std::string& url);

// `reference` (a Location header, a Link target) resolved against `base`.
Result<std::string> resolve_url(const std::string& base, const std::string& reference);

// One libcurl easy handle: keeps the connection alive between requests.
// Not thread-safe: one per thread.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET url with extra request headers ("Name: value"). Any HTTP status is a
  // response; transport failures are errors: Errc::timeout and
  // Errc::unavailable (refused, reset, cut short) are retriable,
  // Errc::too_large (body over the limit) and Errc::invalid_argument (bad
  // URL) are not. Header values (credentials) never appear in errors.
  // Redirects (up to 5) are followed here, not by libcurl: the request
  // headers go only to the origin of `url`; a hop to another origin, and
  // every hop after it, is made without them.
  Result<HttpResponse> get(const std::string& url, const std::vector<std::string>& request_headers = {});

 private:
  Result<HttpResponse> get_once(const std::string& url, const std::vector<std::string>& request_headers);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
