// serve/push_body.h: the body of a push request (a JSON array of objects, or NDJSON) checked strictly in
// one pass over the received bytes, each record kept as offsets into them until it is sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/push_request.h"

namespace kascade {

struct PushBodyLimits {
  size_t max_records = 100000;
  size_t max_depth = 64;  // nesting of objects and arrays inside one record, the record itself included
};

// One record of the body: its bytes (the object as sent) and its key, as offsets.
struct PushElement {
  size_t begin = 0;
  size_t size = 0;
  size_t key_begin = 0;  // into the body, or into ParsedBody::keys when key_unescaped
  size_t key_size = 0;
  bool key_unescaped = false;
};

struct ParsedBody {
  std::vector<PushElement> elements;
  std::string keys;  // keys that are not a plain slice of the body (escaped strings, numbers)

  std::string_view value(std::string_view body, size_t i) const {
    return body.substr(elements[i].begin, elements[i].size);
  }
  std::string_view key(std::string_view body, size_t i) const {
    const PushElement& e = elements[i];
    return (e.key_unescaped ? std::string_view(keys) : body).substr(e.key_begin, e.key_size);
  }
};

// The first thing wrong with a body: what, at which byte, and in which record (if in one).
struct BodyError {
  std::string reason;
  size_t offset = 0;
  std::optional<size_t> index;
};

// Checks the whole body (RFC 8259 grammar, UTF-8, every record an object, nothing after the
// array or after a line's object) and fills `out`. The key of a record is the string or
// integer at `key` (anything else, or nothing there: an empty key). NDJSON: one object per
// line; blank lines (spaces, tabs, a CR) are skipped and do not count as records.
std::optional<BodyError> parse_push_body(std::string_view body, BodyFormat format, const KeyPointer& key,
                                         const PushBodyLimits& limits, ParsedBody& out);

}  // namespace kascade
