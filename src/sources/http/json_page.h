// sources/http/json_page.h: one JSON API response body -> its records (raw bytes, key) and next cursor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace kascade {

struct JsonPageLayout {
  std::string records_pointer;  // JSON pointer to the records array ("" = the body is the array)
  std::string key_pointer;      // JSON pointer, inside a record, to its key ("" = no key)
  std::string cursor_pointer;   // JSON pointer to the next cursor ("" = not read)
};

struct JsonRecord {
  std::string key;   // a string key as is, a number as its digits; "" when missing or null
  std::string json;  // the record, byte for byte as the API sent it
};

struct JsonPage {
  std::vector<JsonRecord> records;
  std::optional<std::string> next_cursor;  // nullopt: missing, null or "" (no next page)
  bool cursor_present = false;             // the body has a value (even null) at cursor_pointer
};

// The whole body must be valid JSON with an array of objects at
// records_pointer; otherwise Errc::corrupt says why and nothing is returned
// (a page is taken whole or not at all); Errc::not_found when the body has
// no value at all at records_pointer. A cursor that is a number is taken
// as its digits. Not thread-safe: one per thread.
class JsonPageParser {
 public:
  explicit JsonPageParser(JsonPageLayout layout);
  ~JsonPageParser();
  JsonPageParser(const JsonPageParser&) = delete;
  JsonPageParser& operator=(const JsonPageParser&) = delete;

  // `body` gets simdjson's padding added to its capacity if it lacks it.
  Result<JsonPage> parse(std::string& body);

 private:
  struct Impl;
  JsonPageLayout layout_;
  Impl* impl_;
};

}  // namespace kascade
