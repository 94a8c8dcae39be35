// core/record.h: a record on the bus, as produced (owned) and as consumed (views).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kascade {

struct Header {
  std::string name;
  std::string value;
};

// A record a source hands to the bus. Owns its bytes.
struct Record {
  std::string key;
  std::string value;
  std::vector<Header> headers;
  int64_t timestamp_ms = 0;  // event time (for randomuser: fetched_at)
};

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// A record read back from the bus. The views point into the PolledBatch
// that returned it and stay valid as long as that batch lives.
struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string_view key;
  std::string_view value;
  std::span<const HeaderView> headers;

  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.name == name) return h.value;
    }
    return std::nullopt;
  }
};

// partition -> next offset to read (Kafka's meaning of a committed offset).
using OffsetMap = std::map<int32_t, int64_t>;

}  // namespace kascade
