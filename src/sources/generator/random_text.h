// sources/generator/random_text.h: random digits, letters and hex appended to a string.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_append.h"
#include "sources/generator/generator_hash.h"

namespace kascade::random_text {

using generator_hash::Rng;

inline constexpr char kHex[] = "0123456789abcdef";

template <typename T>
inline const T& pick(Rng& rng, const std::vector<T>& items) {
  return items[rng.below(static_cast<uint32_t>(items.size()))];
}

// '#' any digit, 'N' a digit 1-9, 'A' an upper-case letter, other bytes copied.
inline void append_pattern(std::string& out, std::string_view pattern, Rng& rng) {
  const size_t at = out.size();
  out.resize(at + pattern.size());
  char* dst = out.data() + at;
  for (char c : pattern) {
    switch (c) {
      case '#':
        *dst++ = static_cast<char>('0' + rng.small(10));
        break;
      case 'N':
        *dst++ = static_cast<char>('1' + rng.small(9));
        break;
      case 'A':
        *dst++ = static_cast<char>('A' + rng.small(26));
        break;
      default:
        *dst++ = c;
    }
  }
}

// "00" "01" ... "ff": two hex digits per byte in one copy.
inline constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (size_t i = 0; i < 256; ++i) {
    pairs[2 * i] = kHex[i >> 4];
    pairs[2 * i + 1] = kHex[i & 0xF];
  }
  return pairs;
}();

// Writes the 16 hex digits of word, most significant first.
inline void write_hex64(char* dst, uint64_t word) {
  for (int byte = 7; byte >= 0; --byte, word >>= 8) {
    std::memcpy(dst + 2 * byte, &kHexPairs[2 * (word & 0xFF)], 2);
  }
}

// An even number of random lower-case hex digits.
inline void append_hex(std::string& out, Rng& rng, size_t digits) {
  const size_t at = out.size();
  out.resize(at + digits);
  char* dst = out.data() + at;
  for (; digits >= 16; digits -= 16, dst += 16) write_hex64(dst, rng.next());
  for (uint64_t word = rng.next(); digits >= 2; digits -= 2, dst += 2, word >>= 8) {
    std::memcpy(dst, &kHexPairs[2 * (word & 0xFF)], 2);
  }
}

// "-69.8246": a decimal with four places from an integer count of 1/10000.
inline void append_fixed4(std::string& out, int64_t ten_thousandths) {
  if (ten_thousandths < 0) {
    out.push_back('-');
    ten_thousandths = -ten_thousandths;
  }
  json_append::append_int(out, ten_thousandths / 10000);
  const int64_t frac = ten_thousandths % 10000;
  const char digits[5] = {'.', static_cast<char>('0' + frac / 1000), static_cast<char>('0' + frac / 100 % 10),
                          static_cast<char>('0' + frac / 10 % 10), static_cast<char>('0' + frac % 10)};
  out.append(digits, sizeof(digits));
}

}  // namespace kascade::random_text
