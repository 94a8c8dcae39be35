// sources/http/request_settings.cc: parsing of source.http.headers, allowed_origins and the URL template.
#include "sources/http/request_settings.h"

#include <fmt/format.h>

#include "core/text.h"
#include "sources/http_client/http_client.h"

namespace kascade {
namespace {

// RFC 9110 token characters.
bool is_token(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Calls `each(item, number)` for every non-blank item of `text` split at `separator`; stops at an error.
template <typename Each>
Status for_each_item(std::string_view text, char separator, Each each) {
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = std::min(text.find(separator), text.size());
    const std::string_view item = trim(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (item.empty()) continue;
    if (Status status = each(item, ++number); !status) return status;
  }
  return ok_status();
}

}  // namespace

Result<std::vector<std::string>> parse_header_list(std::string_view text) {
  std::vector<std::string> headers;
  Status status = for_each_item(text, ';', [&](std::string_view header, size_t number) -> Status {
    const size_t colon = header.find(':');
    if (colon == std::string_view::npos) {
      // The entry may be a secret: never echo it.
      return Error::make(Errc::config, fmt::format("header {} is not 'Name: value' (no ':')", number));
    }
    const std::string_view name = trim(header.substr(0, colon));
    if (!is_token(name)) {
      return Error::make(Errc::config, fmt::format("header {}: '{}' is not a header name", number, name.substr(0, 64)));
    }
    if (header.find_first_of("\r\n") != std::string_view::npos) {
      return Error::make(Errc::config, fmt::format("header {} ({}): a value must not hold a line break", number, name));
    }
    headers.emplace_back(header);
    return ok_status();
  });
  if (!status) return status.error();
  return headers;
}

Result<std::vector<std::string>> parse_origin_list(std::string_view text) {
  std::vector<std::string> origins;
  Status status = for_each_item(text, ',', [&](std::string_view item, size_t) -> Status {
    if (!url_origin(std::string(item))) {
      return Error::make(Errc::config, fmt::format("'{}' is not an origin such as https://host:port", item));
    }
    origins.emplace_back(item);
    return ok_status();
  });
  if (!status) return status.error();
  return origins;
}

Status check_url_template(std::string_view url_template, Pagination pagination) {
  const char* placeholder = pagination == Pagination::page     ? "{page}"
                            : pagination == Pagination::offset ? "{offset}"
                            : pagination == Pagination::cursor ? "{cursor}"
                                                               : nullptr;
  if (placeholder != nullptr && url_template.find(placeholder) == std::string_view::npos) {
    return Error::make(Errc::config, fmt::format("this pagination needs {} in the URL template", placeholder));
  }
  if (url_template.empty()) return Error::make(Errc::config, "required with source.type http");
  auto origin = url_origin(request_url(std::string(url_template), pagination, PageState{}));
  if (!origin) return Error::make(Errc::config, fmt::format("not an http(s) URL: {}", origin.error().message));
  if (!origin->starts_with("http://") && !origin->starts_with("https://")) {
    return Error::make(Errc::config, "not an http(s) URL");
  }
  return ok_status();
}

}  // namespace kascade
