// process/transforms/scalars.h: fast, exact readers of common scalar texts (UUID, ISO-8601 timestamp, decimal).
//
// Each reader takes the common shape of its text on a short straight-line path and
// hands anything else to the general routine, so results and rejections are exactly
// those of the general routine (tests compare the two).
#pragma once

#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>

#include "core/timestamp.h"

namespace kascade::scalars {

// byte -> its lower-case hex digit, or 0 if the byte is not a hex digit.
inline constexpr std::array<char, 256> kHexLower = [] {
  std::array<char, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = static_cast<char>(c);
  for (int c = 'a'; c <= 'f'; ++c) {
    table[static_cast<size_t>(c)] = static_cast<char>(c);
    table[static_cast<size_t>(c) - 'a' + 'A'] = static_cast<char>(c);
  }
  return table;
}();

namespace detail {

inline constexpr uint64_t kEachByte = 0x0101010101010101ull;
inline constexpr uint64_t kHighBits = 0x8080808080808080ull;

// The high bit of each byte of `w` that is an ASCII hex digit, any case (8 bytes at once).
// Bytes under 0x80 cannot carry across bytes in the sums; others are never hex digits.
constexpr uint64_t hex_digit_bytes(uint64_t w) {
  const uint64_t ascii = ~w & kHighBits;
  const uint64_t digit = (w + (0x80 - '0') * kEachByte) & ~(w + (0x7F - '9') * kEachByte);
  const uint64_t lower = w | 0x20 * kEachByte;  // 'A'..'F' -> 'a'..'f'; digits unchanged
  const uint64_t letter = (lower + (0x80 - 'a') * kEachByte) & ~(lower + (0x7F - 'f') * kEachByte) &
                          (w << 1);  // and bit 0x40 set: not a control byte folded onto a letter
  return (digit | letter) & ascii & kHighBits;
}

inline uint64_t load8(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

}  // namespace detail

// 8-4-4-4-12 hex digits, any case; writes the canonical lower-case form. Eight
// bytes at a time: OR-ing 0x20 lower-cases hex letters and leaves digits and '-'
// as they are.
inline bool canonical_uuid(std::string_view text, char (&out)[36]) {
  if (text.size() != 36) return false;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  if constexpr (std::endian::native == std::endian::little) {
    using detail::hex_digit_bytes;
    using detail::kHighBits;
    using detail::load8;
    const uint64_t w0 = load8(in), w1 = load8(in + 8), w2 = load8(in + 16), w3 = load8(in + 24), w4 = load8(in + 28);
    // Dashes at 8, 13 (bytes 0 and 5 of w1), 18 and 23 (bytes 2 and 7 of w2).
    constexpr uint64_t kDashes1 = 0x0000800000000080ull, kDashes2 = 0x8000000000800000ull;
    const bool hex = (hex_digit_bytes(w0) & hex_digit_bytes(w3) & hex_digit_bytes(w4)) == kHighBits &&
                     (hex_digit_bytes(w1) | kDashes1) == kHighBits && (hex_digit_bytes(w2) | kDashes2) == kHighBits;
    const bool dashes = in[8] == '-' && in[13] == '-' && in[18] == '-' && in[23] == '-';
    constexpr uint64_t kLower = 0x20 * detail::kEachByte;
    const uint64_t o0 = w0 | kLower, o1 = w1 | kLower, o2 = w2 | kLower, o3 = w3 | kLower, o4 = w4 | kLower;
    std::memcpy(out, &o0, 8);
    std::memcpy(out + 8, &o1, 8);
    std::memcpy(out + 16, &o2, 8);
    std::memcpy(out + 24, &o3, 8);
    std::memcpy(out + 28, &o4, 8);
    return hex && dashes;
  } else {
    unsigned bad = 0;
    auto hex_run = [&](size_t from, size_t count) {
      for (size_t i = from; i < from + count; ++i) {
        const char hex = kHexLower[in[i]];
        bad |= static_cast<unsigned>(hex == 0);
        out[i] = hex;
      }
    };
    hex_run(0, 8);
    hex_run(9, 4);
    hex_run(14, 4);
    hex_run(19, 4);
    hex_run(24, 12);
    for (const size_t dash : {8, 13, 18, 23}) {
      bad |= static_cast<unsigned>(in[dash] != '-');
      out[dash] = '-';
    }
    return bad == 0;
  }
}

namespace detail {

// Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (m 1..12),
// by counting whole 400-year eras from 0000-03-01.
constexpr int64_t days_since_epoch(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(y - era * 400);
  const unsigned day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

constexpr bool leap_year(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace detail

// An ISO-8601 timestamp as ms since the epoch, exactly as parse_iso8601_ms reads
// it. "YYYY-MM-DDThh:mm:ss.mmmZ" (the randomuser form) is read here; any other
// form, and any out-of-range field, goes to parse_iso8601_ms.
inline std::optional<int64_t> timestamp_ms(std::string_view s) {
  if (s.size() != 24) return parse_iso8601_ms(s);
  if constexpr (std::endian::native != std::endian::little) return parse_iso8601_ms(s);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  // Three words: "YYYY-MM-", "DDThh:mm", ":ss.mmmZ". XOR with '0' turns digits into 0..9;
  // with every byte under 0x80, adding 0x76 sets a byte's high bit iff it was over 9.
  using detail::kEachByte;
  using detail::kHighBits;
  const uint64_t w0 = detail::load8(p), w1 = detail::load8(p + 8), w2 = detail::load8(p + 16);
  const uint64_t d0 = w0 ^ '0' * kEachByte, d1 = w1 ^ '0' * kEachByte, d2 = w2 ^ '0' * kEachByte;
  constexpr uint64_t kDigits0 = 0x00FFFF00FFFFFFFFull;  // bytes 0-3, 5-6
  constexpr uint64_t kDigits1 = 0xFFFF00FFFF00FFFFull;  // bytes 0-1, 3-4, 6-7
  constexpr uint64_t kDigits2 = 0x00FFFFFF00FFFF00ull;  // bytes 1-2, 4-6
  const uint64_t over_nine = (((d0 & kDigits0) + 0x76 * kEachByte) & kDigits0) |
                             (((d1 & kDigits1) + 0x76 * kEachByte) & kDigits1) |
                             (((d2 & kDigits2) + 0x76 * kEachByte) & kDigits2);
  const bool bad = ((w0 | w1 | w2) & kHighBits) != 0 || (over_nine & kHighBits) != 0 ||
                   (w0 & ~kDigits0) != 0x2D00002D00000000ull ||                                  // '-' '-'
                   (w1 & 0x0000FF0000000000ull) != 0x00003A0000000000ull ||                      // ':'
                   (p[10] != 'T' && p[10] != ' ') || (w2 & ~kDigits2) != 0x5A0000002E00003Aull;  // ':' '.' 'Z'
  auto at = [](uint64_t d, unsigned byte) { return static_cast<unsigned>(d >> (8 * byte)) & 0xFF; };
  const unsigned year = at(d0, 0) * 1000 + at(d0, 1) * 100 + at(d0, 2) * 10 + at(d0, 3);
  const unsigned month = at(d0, 5) * 10 + at(d0, 6);
  const unsigned day = at(d1, 0) * 10 + at(d1, 1);
  const unsigned hour = at(d1, 3) * 10 + at(d1, 4);
  const unsigned minute = at(d1, 6) * 10 + at(d1, 7);
  const unsigned second = at(d2, 1) * 10 + at(d2, 2);
  const unsigned millis = at(d2, 4) * 100 + at(d2, 5) * 10 + at(d2, 6);
  static constexpr unsigned kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (bad != 0 || month - 1 > 11 || day == 0 || hour > 23 || minute > 59 || second > 60 ||
      day > kDaysInMonth[month - 1] + (month == 2 && detail::leap_year(year) ? 1 : 0)) {
    return parse_iso8601_ms(s);
  }
  const int64_t days = detail::days_since_epoch(year, month, day);
  return (days * 86400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
}

// A decimal number in text ("-36.1204", "151") as std::from_chars reads it.
// [-]digits[.digits] with at most 15 significant digits is an exact integer
// divided by an exact power of ten: one correctly rounded division, the same
// double from_chars gives. Anything else goes to from_chars.
inline std::optional<double> decimal(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p != end && *p == '-';
  p += negative;
  uint64_t mantissa = 0;
  size_t digits = 0, fraction_digits = 0;
  bool point = false, simple = p != end;
  for (; p != end; ++p) {
    const unsigned v = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
    if (v <= 9) {
      mantissa = mantissa * 10 + v;
      ++digits;
      fraction_digits += point;
    } else if (*p == '.' && !point && digits != 0) {
      point = true;
    } else {
      simple = false;
      break;
    }
  }
  simple = simple && digits != 0 && digits <= 15 && !(point && fraction_digits == 0);
  if (simple) {
    static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                              1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const double v = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
    return negative ? -v : v;
  }
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return v;
}

}  // namespace kascade::scalars
