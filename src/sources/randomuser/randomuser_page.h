// sources/randomuser/randomuser_page.h: one randomuser API response body -> one raw user per element.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kascade {

struct RawUser {
  std::string key;   // login.uuid ("" when the user has none: the processor dead-letters it)
  std::string json;  // the user object, byte for byte as the API sent it
};

// Splits {"results":[...], "info":{...}} into its users. The whole body must
// be valid UTF-8 JSON of that shape; otherwise Errc::corrupt says why (not
// JSON, cut short, an {"error": ...} answer, results missing or not an array
// of objects) and nothing is returned, so a page is taken whole or not at all.
// `body` must have simdjson's padding (64 bytes) of spare capacity, as
// HttpResponse bodies have. Not thread-safe: one per thread.
class RandomUserPageParser {
 public:
  RandomUserPageParser();
  ~RandomUserPageParser();
  RandomUserPageParser(const RandomUserPageParser&) = delete;
  RandomUserPageParser& operator=(const RandomUserPageParser&) = delete;

  Result<std::vector<RawUser>> parse(std::string& body);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace kascade
