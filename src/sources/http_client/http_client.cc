// sources/http_client/http_client.cc: libcurl easy interface behind HttpClient.
#include "sources/http_client/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <mutex>

#include "core/text.h"

namespace kascade {
namespace {

// Bytes kept free behind a body so simdjson can parse it in place.
constexpr size_t kParsePadding = 64;

struct Transfer {
  HttpResponse* response;
  size_t max_body_bytes;
  bool over_limit = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  std::string& body = transfer->response->body;
  if (body.size() + bytes > transfer->max_body_bytes) {
    transfer->over_limit = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  if (body.capacity() < body.size() + bytes + kParsePadding) body.reserve((body.size() + bytes) * 2 + kParsePadding);
  body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new response (after a 100 Continue or a redirect)
  } else if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
    transfer->response->headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                             std::string(trim(line.substr(colon + 1))));
  }
  return bytes;
}

Error transport_error(CURLcode code, const std::string& url, const Transfer& transfer, size_t max_body) {
  if (transfer.over_limit) {
    return Error::make(Errc::too_large, fmt::format("GET {}: response body over {} bytes", url, max_body));
  }
  const std::string what = fmt::format("GET {}: {}", url, curl_easy_strerror(code));
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error::make(Errc::timeout, what, true);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error::make(Errc::invalid_argument, what);
    default:  // refused, reset, cut short, DNS: the server or the path to it may recover
      return Error::make(Errc::unavailable, what, true);
  }
}

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

struct HttpClient::Impl {
  HttpClientOptions options;
  CURL* handle = nullptr;
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  // curl_global_init is not thread-safe; run it once, before any handle.
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->options = options;
  impl_->handle = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (impl_->handle != nullptr) curl_easy_cleanup(impl_->handle);
}

Result<std::string> url_origin(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return Error::make(Errc::invalid_argument, fmt::format("'{}' is not an absolute URL", url));
  }
  auto part = [&](CURLUPart which, unsigned flags) -> std::string {
    char* text = nullptr;
    if (curl_url_get(handle.get(), which, &text, flags) != CURLUE_OK || text == nullptr) return {};
    std::string out = to_lower(text);
    curl_free(text);
    return out;
  };
  const std::string scheme = part(CURLUPART_SCHEME, 0);
  const std::string host = part(CURLUPART_HOST, 0);
  const std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (scheme.empty() || host.empty()) return Error::make(Errc::invalid_argument, fmt::format("'{}' has no host", url));
  return fmt::format("{}://{}:{}", scheme, host, port);
}

Result<std::string> resolve_url(const std::string& base, const std::string& reference) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(handle.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    return Error::make(Errc::invalid_argument, fmt::format("cannot resolve '{}' against '{}'", reference, base));
  }
  char* text = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_URL, &text, 0) != CURLUE_OK || text == nullptr) {
    return Error::make(Errc::invalid_argument, fmt::format("cannot resolve '{}' against '{}'", reference, base));
  }
  std::string out(text);
  curl_free(text);
  return out;
}

Result<HttpResponse> HttpClient::get(const std::string& url, const std::vector<std::string>& request_headers) {
  constexpr int kMaxRedirects = 5;
  auto origin = url_origin(url);
  std::string current = url;
  bool same_origin = true;
  for (int hop = 0;; ++hop) {
    static const std::vector<std::string> kNoHeaders;
    auto response = get_once(current, same_origin ? request_headers : kNoHeaders);
    if (!response) return response;
    const long status = response->status;
    const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    const auto location = response->header("Location");
    if (!redirect || !location) return response;
    if (hop == kMaxRedirects) {
      return Error::make(Errc::unavailable, fmt::format("GET {}: more than {} redirects", url, kMaxRedirects), true);
    }
    auto next = resolve_url(current, std::string(*location));
    if (!next) return Error::make(Errc::invalid_argument, fmt::format("GET {}: {}", current, next.error().message));
    auto next_origin = url_origin(*next);
    if (!next_origin)
      return Error::make(Errc::invalid_argument,
                         fmt::format("GET {}: redirect: {}", current, next_origin.error().message));
    // Credentials and configured headers stay with the configured origin, for every later hop too.
    if (!origin || *next_origin != *origin) same_origin = false;
    current = std::move(*next);
  }
}

Result<HttpResponse> HttpClient::get_once(const std::string& url, const std::vector<std::string>& request_headers) {
  CURL* curl = impl_->handle;
  if (curl == nullptr) return Error::make(Errc::internal, "libcurl: curl_easy_init failed");
  HttpResponse response;
  Transfer transfer{&response, impl_->options.max_body_bytes};

  curl_slist* headers = nullptr;
  for (const std::string& header : request_headers) headers = curl_slist_append(headers, header.c_str());

  curl_easy_reset(curl);  // keeps the connection cache, forgets the last request's options
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: safe in threads
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(impl_->options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(impl_->options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // any encoding libcurl can decode
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);   // get() follows redirects, deciding which headers go
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "kascade/0.1");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);

  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  if (code != CURLE_OK) return transport_error(code, url, transfer, impl_->options.max_body_bytes);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace kascade
