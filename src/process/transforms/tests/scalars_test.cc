// process/transforms/tests/scalars_test.cc: the fast scalar readers against the general routines they stand in for.
#include "process/transforms/scalars.h"

#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/timestamp.h"

namespace kascade {
namespace {

// The fast readers of scalars.h against the general routines they stand in for.
TEST(Scalars, TimestampMatchesParseIso8601) {
  std::mt19937_64 rng(7);
  char text[64];
  for (int i = 0; i < 200000; ++i) {
    // Mostly well-formed randomuser timestamps, with fields pushed past their ranges.
    const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    std::snprintf(text, sizeof(text), "%04d-%02d-%02d%c%02d:%02d:%02d.%03dZ", pick(10000), pick(14), pick(33),
                  pick(8) == 0 ? ' ' : 'T', pick(26), pick(62), pick(62), pick(1000));
    std::string s = text;
    if (pick(16) == 0) s[static_cast<size_t>(pick(24))] = "0-:.TZ x\x7f"[pick(10)];
    ASSERT_EQ(scalars::timestamp_ms(s), parse_iso8601_ms(s)) << s;
  }
  for (const char* s : {"2000-02-29T23:59:60.999Z", "1900-02-29T00:00:00.000Z", "2023-11-14T22:13:20.000+01:00",
                        "2023-11-14T22:13:20Z", "", "2023-11-14T22:13:20.0000", "0000-03-01T00:00:00.000Z",
                        "2023-11-14T22:13:20.12Z", "2023-13-14T22:13:20.123Z"}) {
    EXPECT_EQ(scalars::timestamp_ms(s), parse_iso8601_ms(s)) << s;
  }
}

TEST(Scalars, DecimalMatchesFromChars) {
  const auto from_chars = [](std::string_view text) -> std::optional<double> {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
  };
  std::mt19937_64 rng(11);
  const std::string_view alphabet = "0123456789-.e+ ";
  for (int i = 0; i < 300000; ++i) {
    std::string s;
    const size_t n = rng() % 20;
    const bool numeric = rng() % 4 != 0;
    for (size_t k = 0; k < n; ++k) s += alphabet[rng() % (numeric ? 10 : alphabet.size())];
    if (numeric && n > 2 && rng() % 2) s[rng() % n] = '.';
    if (numeric && rng() % 2) s.insert(s.begin(), '-');
    const auto fast = scalars::decimal(s), slow = from_chars(s);
    ASSERT_EQ(fast.has_value(), slow.has_value()) << s;
    if (fast) {
      ASSERT_EQ(std::bit_cast<uint64_t>(*fast), std::bit_cast<uint64_t>(*slow)) << s;
    }
  }
  for (const char* s : {"-0", "-0.0", "0.1", "1.", ".5", "-", "", "123456789012345.6", "9007199254740993", "-68.3295",
                        "1e5", "+1", "0x10", "inf", "1..2"}) {
    const auto fast = scalars::decimal(s), slow = from_chars(s);
    ASSERT_EQ(fast.has_value(), slow.has_value()) << s;
    if (fast) {
      EXPECT_EQ(std::bit_cast<uint64_t>(*fast), std::bit_cast<uint64_t>(*slow)) << s;
    }
  }
}

TEST(Scalars, UuidAcceptsOnlyHexDigitsAndDashes) {
  char out[36];
  EXPECT_TRUE(scalars::canonical_uuid("3F2B8C1E-7d4a-4E9B-A6C5-0D1E2F3A4B5C", out));
  EXPECT_EQ(std::string_view(out, 36), "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c");
  const std::string good = "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c";
  for (size_t at = 0; at < good.size(); ++at) {
    for (int c = 0; c < 256; ++c) {
      std::string s = good;
      s[at] = static_cast<char>(c);
      const bool dash = at == 8 || at == 13 || at == 18 || at == 23;
      const bool ok = dash ? c == '-' : std::isxdigit(c) != 0;
      ASSERT_EQ(scalars::canonical_uuid(s, out), ok) << at << " " << c;
    }
  }
  EXPECT_FALSE(scalars::canonical_uuid(good.substr(1), out));
}

}  // namespace
}  // namespace kascade
