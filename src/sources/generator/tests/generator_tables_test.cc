// Tests for the generator's word tables, UTF-8 lower-casing and JSON string escaping.
#include "sources/generator/generator_tables.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "core/json_append.h"

namespace kascade {
namespace {

TEST(GeneratorTables, LowerCasesLatinAndCyrillic) {
  using generator_tables::lower_utf8;
  EXPECT_EQ(lower_utf8("Jürgen MÜLLER"), "jürgen müller");
  EXPECT_EQ(lower_utf8("Øyvind Åse Æ"), "øyvind åse æ");
  EXPECT_EQ(lower_utf8("ŞÜKRÜ Çağlar"), "şükrü çağlar");
  EXPECT_EQ(lower_utf8("İstanbul"), "istanbul");
  EXPECT_EQ(lower_utf8("ĐORĐE ŽIVKOVIĆ"), "đorđe živković");
  EXPECT_EQ(lower_utf8("ЯРОСЛАВ Їжак Ђорђе"), "ярослав їжак ђорђе");
  EXPECT_EQ(lower_utf8("علی"), "علی");  // no case: copied
}

TEST(GeneratorTables, EveryNationalityIsComplete) {
  const auto& t = generator_tables::tables();
  EXPECT_TRUE(t.plain);
  ASSERT_EQ(t.nationalities.size(), 21u);
  for (const auto& n : t.nationalities) {
    EXPECT_FALSE(n.male_first.empty()) << n.code;
    EXPECT_FALSE(n.female_first.empty()) << n.code;
    EXPECT_FALSE(n.last.empty()) << n.code;
    EXPECT_FALSE(n.cities.empty()) << n.code;
    EXPECT_FALSE(n.states.empty()) << n.code;
    EXPECT_FALSE(n.streets.empty()) << n.code;
    EXPECT_EQ(n.streets.size(), n.streets_lower.size()) << n.code;
    EXPECT_EQ(n.id_name.empty(), n.id_pattern.empty()) << n.code;
    for (const auto& name : n.last) {
      EXPECT_TRUE(simdjson::validate_utf8(name.display.data(), name.display.size())) << n.code;
      EXPECT_EQ(name.email.find_first_of(" '"), std::string::npos) << name.email;
    }
  }
  EXPECT_FALSE(t.timezones.empty());
  EXPECT_FALSE(t.passwords.empty());
}

TEST(JsonAppend, EscapesWhatJsonRequires) {
  static constexpr char kNasty[] = "q\"b\\n\nr\rt\tc\x01z\x1f e\xC3\xA9";
  std::string nasty(kNasty, sizeof(kNasty) - 1);
  nasty.push_back('\0');  // a NUL byte must come out as \u0000
  std::string json = "{\"k\":";
  json_append::append_string(json, nasty);
  json += ",\"n\":";
  json_append::append_int(json, -1234567890123);
  json += ",\"u\":";
  json_append::append_uint(json, 18446744073709551615ull);
  json += "}";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["k"]), nasty);
  EXPECT_EQ(int64_t(doc["n"]), -1234567890123);
  EXPECT_EQ(uint64_t(doc["u"]), 18446744073709551615ull);
}

}  // namespace
}  // namespace kascade
