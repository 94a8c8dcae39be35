// serve/push_request.h: what a push request's headers and the config say about its body: the format its
// Content-Type names, and where each record's key is (serve.key_pointer).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kascade {

enum class BodyFormat { json_array, ndjson };

// The format a Content-Type names: application/json or application/x-ndjson (type and
// parameter names case-insensitive), parameters allowed, a charset only if utf-8.
// Anything else: Errc::invalid_argument saying why (answered 415).
Result<BodyFormat> body_format(std::string_view content_type);

// A JSON pointer (RFC 6901) split into unescaped tokens; "" selects no key.
// Errc::invalid_argument if it is not empty and does not start with '/'.
struct KeyPointer {
  std::vector<std::string> tokens;
  bool enabled = false;
};
Result<KeyPointer> parse_key_pointer(std::string_view pointer);

}  // namespace kascade
