// Tests for the generator's malformed-record injection and the bus records it builds.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <string_view>

#include "sources/generator/randomuser_generator.h"

namespace kascade {
namespace {

std::string_view header(const Record& rec, std::string_view name) {
  for (const Header& h : rec.headers) {
    if (h.name == name) return h.value;
  }
  return "<absent>";
}

TEST(MalformedRecords, RatioZeroGivesNone) {
  RandomUserGenerator gen(GeneratorOptions{.malformed_ratio = 0.0});
  for (uint64_t i = 0; i < 100000; ++i) ASSERT_FALSE(gen.malformed_kind(i).has_value()) << i;
}

TEST(MalformedRecords, RatioOneGivesOnlyMalformed) {
  RandomUserGenerator gen(GeneratorOptions{.malformed_ratio = 1.0});
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(gen.malformed_kind(i).has_value()) << i;
}

TEST(MalformedRecords, WellFormedRecordsAreValidJsonKeyedByUuid) {
  RandomUserGenerator gen(GeneratorOptions{.seed = "records"});
  simdjson::dom::parser parser;
  for (uint64_t i = 0; i < 100000; ++i) {
    const Record rec = gen.record(i, 1700000000123);
    simdjson::dom::element user;
    ASSERT_EQ(parser.parse(rec.value).get(user), simdjson::SUCCESS) << rec.value;
    ASSERT_EQ(std::string_view(user["login"]["uuid"]), rec.key);
  }
}

TEST(MalformedRecords, HeadersAndTimestamp) {
  RandomUserGenerator gen(GeneratorOptions{.seed = "hdr"});
  const Record rec = gen.record(12345, 1700000000123, "demo");
  EXPECT_EQ(rec.timestamp_ms, 1700000000123);
  EXPECT_EQ(header(rec, "source"), "demo");
  EXPECT_EQ(header(rec, "fetched_at"), "1700000000123");
  EXPECT_EQ(header(rec, "seed"), "hdr");
  EXPECT_EQ(header(rec, "page"), "3");  // 12345 / 5000 + 1
  EXPECT_EQ(header(gen.record(0, 1), "page"), "1");
  EXPECT_EQ(header(gen.record(4999, 1), "page"), "1");
  EXPECT_EQ(header(gen.record(5000, 1), "page"), "2");
  EXPECT_EQ(header(gen.record(0, 1), "source"), "generator");
  EXPECT_EQ(rec.key, gen.login_uuid(12345));
  EXPECT_EQ(rec.value, gen.user_json(12345));
}

TEST(MalformedRecords, OnePercentWithEveryKindBehavingAsDescribed) {
  constexpr uint64_t kRecords = 100000;
  RandomUserGenerator gen(GeneratorOptions{.seed = "bad", .malformed_ratio = 0.01});
  RandomUserGenerator again(GeneratorOptions{.seed = "bad", .malformed_ratio = 0.01});
  simdjson::dom::parser parser;
  std::map<MalformedKind, size_t> kinds;
  std::map<std::string, size_t> wrong_shapes;
  size_t malformed = 0;
  for (uint64_t i = 0; i < kRecords; ++i) {
    const auto kind = gen.malformed_kind(i);
    ASSERT_EQ(kind, again.malformed_kind(i));
    if (!kind) continue;
    ++malformed;
    ++kinds[*kind];
    const Record rec = gen.record(i, 1700000000000);
    ASSERT_EQ(rec.value, again.record(i, 1700000000000).value);
    simdjson::dom::element user;
    const auto error = parser.parse(rec.value).get(user);
    switch (*kind) {
      case MalformedKind::bad_json:
        EXPECT_NE(error, simdjson::SUCCESS) << rec.value;
        EXPECT_TRUE(simdjson::validate_utf8(rec.value.data(), rec.value.size()));
        EXPECT_EQ(rec.key, gen.login_uuid(i));
        break;
      case MalformedKind::wrong_type: {
        ASSERT_EQ(error, simdjson::SUCCESS) << rec.value;
        EXPECT_EQ(std::string_view(user["login"]["uuid"]), rec.key);
        if (user["name"].is_int64()) {
          ++wrong_shapes["name_number"];
        } else if (user["dob"]["age"].is_string()) {
          ++wrong_shapes["age_string"];
        } else if (user["registered"]["date"].is_int64()) {
          ++wrong_shapes["date_number"];
        } else {
          ADD_FAILURE() << "no wrong type in " << rec.value;
        }
        break;
      }
      case MalformedKind::missing_required:
        ASSERT_EQ(error, simdjson::SUCCESS) << rec.value;
        EXPECT_EQ(rec.key, "");
        EXPECT_EQ(user["login"]["uuid"].error(), simdjson::NO_SUCH_FIELD);
        EXPECT_TRUE(user["login"]["username"].is_string());
        break;
      case MalformedKind::oversize:
        ASSERT_EQ(error, simdjson::SUCCESS);
        EXPECT_GT(rec.value.size(), RandomUserGenerator::kOversizeBytes);
        EXPECT_LT(rec.value.size(), RandomUserGenerator::kOversizeBytes + 8192);
        EXPECT_EQ(std::string_view(user["login"]["uuid"]), rec.key);
        break;
      case MalformedKind::invalid_utf8: {
        EXPECT_NE(error, simdjson::SUCCESS);
        EXPECT_FALSE(simdjson::validate_utf8(rec.value.data(), rec.value.size()));
        const size_t bad = rec.value.find("\xC3\x28");
        ASSERT_NE(bad, std::string::npos);
        // Apart from those bytes the JSON is sound.
        std::string repaired = rec.value;
        repaired.replace(bad, 2, "C(");
        simdjson::dom::element fixed;
        ASSERT_EQ(parser.parse(repaired).get(fixed), simdjson::SUCCESS) << repaired;
        EXPECT_NE(std::string_view(fixed["name"]["first"]).find("C("), std::string_view::npos);
        EXPECT_EQ(rec.key, gen.login_uuid(i));
        break;
      }
    }
  }
  std::printf("malformed %zu of %llu:", malformed, static_cast<unsigned long long>(kRecords));
  for (const auto& [kind, count] : kinds) std::printf(" %s=%zu", malformed_kind_name(kind), count);
  for (const auto& [shape, count] : wrong_shapes) std::printf(" %s=%zu", shape.c_str(), count);
  std::printf("\n");
  EXPECT_GE(malformed, 800u);
  EXPECT_LE(malformed, 1200u);
  EXPECT_EQ(kinds.size(), 5u);
  for (const auto& [kind, count] : kinds) EXPECT_GE(count, 100u) << malformed_kind_name(kind);
  EXPECT_EQ(wrong_shapes.size(), 3u);
}

TEST(MalformedRecords, KindNames) {
  EXPECT_STREQ(malformed_kind_name(MalformedKind::bad_json), "bad_json");
  EXPECT_STREQ(malformed_kind_name(MalformedKind::wrong_type), "wrong_type");
  EXPECT_STREQ(malformed_kind_name(MalformedKind::missing_required), "missing_required");
  EXPECT_STREQ(malformed_kind_name(MalformedKind::oversize), "oversize");
  EXPECT_STREQ(malformed_kind_name(MalformedKind::invalid_utf8), "invalid_utf8");
}

}  // namespace
}  // namespace kascade
