// serve/push_request.cc: the Content-Type of a push, and the JSON pointer of the record key.
#include "serve/push_request.h"

#include <fmt/format.h>

namespace kascade {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<BodyFormat> body_format(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  const std::string_view type = trim_ows(content_type.substr(0, semicolon));
  BodyFormat format;
  if (iequals(type, "application/json")) {
    format = BodyFormat::json_array;
  } else if (iequals(type, "application/x-ndjson")) {
    format = BodyFormat::ndjson;
  } else {
    return Error::make(Errc::invalid_argument,
                       type.empty() ? std::string("Content-Type must be application/json or application/x-ndjson")
                                    : fmt::format("Content-Type must be application/json or application/x-ndjson, "
                                                  "not '{}'",
                                                  type));
  }
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : content_type.substr(semicolon + 1);
  while (!rest.empty()) {
    const size_t next = rest.find(';');
    const std::string_view parameter = trim_ows(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return Error::make(Errc::invalid_argument, fmt::format("malformed Content-Type parameter '{}'", parameter));
    }
    const std::string_view name = trim_ows(parameter.substr(0, equals));
    std::string_view value = trim_ows(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (iequals(name, "charset") && !iequals(value, "utf-8")) {
      return Error::make(Errc::invalid_argument, fmt::format("charset must be utf-8, not '{}'", value));
    }
  }
  return format;
}

Result<KeyPointer> parse_key_pointer(std::string_view pointer) {
  KeyPointer key;
  if (pointer.empty()) return key;
  if (pointer.front() != '/') {
    return Error::make(Errc::invalid_argument, fmt::format("JSON pointer '{}' must start with '/'", pointer));
  }
  key.enabled = true;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);
    const size_t slash = pointer.find('/');
    const std::string_view raw = pointer.substr(0, slash);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else if (raw[i] == '~') {
        return Error::make(Errc::invalid_argument, "a '~' in a JSON pointer must be followed by 0 or 1");
      } else {
        token += raw[i];
      }
    }
    key.tokens.push_back(std::move(token));
    pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(slash);
  }
  return key;
}

}  // namespace kascade
