// cql/tests/hex.h: golden bytes written as hex in the tests ("04 00 00 00 05").
#pragma once

#include <string>
#include <string_view>

#include "core/hex.h"

namespace kascade::cql::testing {

inline std::string unhex(std::string_view text) {
  std::string out;
  int high = -1;
  for (char c : text) {
    const int v = hex_digit_value(c);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

}  // namespace kascade::cql::testing
