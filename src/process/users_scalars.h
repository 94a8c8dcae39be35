// process/users_scalars.h: fast, exact readers of the users mapping's scalar texts (UUID, timestamp, decimal).
//
// Each reader takes the common shape of its text on a short straight-line path and
// hands anything else to the general routine, so results and rejections are exactly
// those of the general routine (tests compare the two).
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "core/timestamp.h"

namespace kascade::users_scalars {

// byte -> its lower-case hex digit, or 0 if the byte is not a hex digit.
inline constexpr std::array<char, 256> kHexLower = [] {
  std::array<char, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = static_cast<char>(c);
  for (int c = 'a'; c <= 'f'; ++c) {
    table[static_cast<size_t>(c)] = static_cast<char>(c);
    table[static_cast<size_t>(c - 'a' + 'A')] = static_cast<char>(c);
  }
  return table;
}();

// 8-4-4-4-12 hex digits, any case; writes the canonical lower-case form. One
// table look-up per byte and no branch per byte.
inline bool canonical_uuid(std::string_view text, char (&out)[36]) {
  if (text.size() != 36) return false;
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
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

namespace detail {

// Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (m 1..12),
// by counting whole 400-year eras from 0000-03-01.
constexpr int64_t days_since_epoch(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(y - era * 400);
  const unsigned day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

constexpr bool leap_year(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace detail

// An ISO-8601 timestamp as ms since the epoch, exactly as parse_iso8601_ms reads
// it. "YYYY-MM-DDThh:mm:ss.mmmZ" (the randomuser form) is read here; any other
// form, and any out-of-range field, goes to parse_iso8601_ms.
inline std::optional<int64_t> timestamp_ms(std::string_view s) {
  if (s.size() != 24) return parse_iso8601_ms(s);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  unsigned bad = 0;
  auto digit = [&](size_t i) {
    const unsigned v = static_cast<unsigned>(p[i]) - '0';
    bad |= static_cast<unsigned>(v > 9);
    return v;
  };
  const unsigned year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const unsigned month = digit(5) * 10 + digit(6);
  const unsigned day = digit(8) * 10 + digit(9);
  const unsigned hour = digit(11) * 10 + digit(12);
  const unsigned minute = digit(14) * 10 + digit(15);
  const unsigned second = digit(17) * 10 + digit(18);
  const unsigned millis = digit(20) * 100 + digit(21) * 10 + digit(22);
  bad |= static_cast<unsigned>(p[4] != '-') | static_cast<unsigned>(p[7] != '-') |
         static_cast<unsigned>(p[10] != 'T' && p[10] != ' ') |
         static_cast<unsigned>(p[13] != ':') | static_cast<unsigned>(p[16] != ':') |
         static_cast<unsigned>(p[19] != '.') | static_cast<unsigned>(p[23] != 'Z');
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

}  // namespace kascade::users_scalars
