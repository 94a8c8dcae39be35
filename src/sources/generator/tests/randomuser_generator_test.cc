// Tests for sources/generator/randomuser_generator.h: determinism, shape, variants, uuids.
#include "sources/generator/randomuser_generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kascade {
namespace {

bool has_non_ascii(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

bool is_uuid_v4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

// Keys of an object that are not in `known`.
size_t unknown_keys(simdjson::dom::object object, const std::set<std::string_view>& known) {
  size_t unknown = 0;
  for (auto field : object) unknown += known.count(field.key) == 0 ? 1 : 0;
  return unknown;
}

TEST(RandomUserGenerator, SameSeedAndIndexGiveSameBytes) {
  RandomUserGenerator a(GeneratorOptions{.seed = "alpha"});
  RandomUserGenerator b(GeneratorOptions{.seed = "alpha"});
  for (uint64_t i : {0ull, 1ull, 7ull, 4999ull, 5000ull, 123456789ull, (1ull << 62) - 1}) {
    EXPECT_EQ(a.user_json(i), b.user_json(i)) << i;
    EXPECT_EQ(a.login_uuid(i), b.login_uuid(i)) << i;
  }
  std::string appended = "prefix";
  a.append_user_json(42, appended);
  EXPECT_EQ(appended, "prefix" + a.user_json(42));
}

TEST(RandomUserGenerator, DifferentSeedsGiveDifferentUsers) {
  RandomUserGenerator a(GeneratorOptions{.seed = "alpha"});
  RandomUserGenerator b(GeneratorOptions{.seed = "beta"});
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_NE(a.user_json(i), b.user_json(i)) << i;
    EXPECT_NE(a.login_uuid(i), b.login_uuid(i)) << i;
  }
  EXPECT_NE(a.user_json(0), a.user_json(1));
}

TEST(RandomUserGenerator, UserHasEveryApiField) {
  RandomUserGenerator gen(GeneratorOptions{});
  simdjson::dom::parser parser;
  for (uint64_t i = 0; i < 200; ++i) {
    const std::string json = gen.user_json(i);
    simdjson::dom::element user;
    ASSERT_EQ(parser.parse(json).get(user), simdjson::SUCCESS) << json;
    for (const char* pointer : {"/gender",
                                "/name/title",
                                "/name/first",
                                "/name/last",
                                "/location/street",
                                "/location/city",
                                "/location/state",
                                "/location/country",
                                "/location/postcode",
                                "/location/coordinates/latitude",
                                "/location/coordinates/longitude",
                                "/location/timezone/offset",
                                "/location/timezone/description",
                                "/email",
                                "/login/uuid",
                                "/login/username",
                                "/login/password",
                                "/login/salt",
                                "/login/md5",
                                "/login/sha1",
                                "/login/sha256",
                                "/dob/date",
                                "/dob/age",
                                "/registered/date",
                                "/registered/age",
                                "/phone",
                                "/cell",
                                "/id/name",
                                "/id/value",
                                "/picture/large",
                                "/picture/medium",
                                "/picture/thumbnail",
                                "/nat"}) {
      EXPECT_EQ(user.at_pointer(pointer).error(), simdjson::SUCCESS) << pointer << " in " << json;
    }
    EXPECT_EQ(std::string_view(user["login"]["md5"]).size(), 32u);
    EXPECT_EQ(std::string_view(user["login"]["sha1"]).size(), 40u);
    EXPECT_EQ(std::string_view(user["login"]["sha256"]).size(), 64u);
    EXPECT_EQ(std::string_view(user["login"]["salt"]).size(), 8u);
    EXPECT_TRUE(is_uuid_v4(std::string_view(user["login"]["uuid"])));
    EXPECT_EQ(std::string_view(user["login"]["uuid"]), gen.login_uuid(i));
    EXPECT_TRUE(user["location"]["coordinates"]["latitude"].is_string());
    const std::string_view gender = user["gender"];
    EXPECT_TRUE(gender == "female" || gender == "male");
    const std::string_view medium = user["picture"]["medium"];
    EXPECT_EQ(medium.rfind("https://randomuser.me/api/portraits/med/", 0), 0u) << medium;
  }
}

struct VariantCounts {
  size_t street_object = 0, street_string = 0;
  size_t postcode_number = 0, postcode_string = 0;
  size_t id_null = 0;
  size_t dates_with_ms = 0, dates_without_ms = 0;
  size_t non_ascii_name = 0, non_ascii_email = 0;
  size_t extra_fields = 0;
  size_t bytes = 0;
};

TEST(RandomUserGenerator, EveryVariantOccursInFirst100000Users) {
  constexpr uint64_t kUsers = 100000;
  constexpr size_t kMin = kUsers / 100;  // each variant in at least 1% of users
  RandomUserGenerator gen(GeneratorOptions{});
  simdjson::dom::parser parser;
  VariantCounts n;
  const std::set<std::string_view> top{"gender",     "name",  "location", "email", "login",   "dob",
                                       "registered", "phone", "cell",     "id",    "picture", "nat"};
  const std::set<std::string_view> name_keys{"title", "first", "last"};
  const std::set<std::string_view> dated_keys{"date", "age"};
  std::string json;
  for (uint64_t i = 0; i < kUsers; ++i) {
    json.clear();
    gen.append_user_json(i, json);
    n.bytes += json.size();
    simdjson::dom::element user;
    ASSERT_EQ(parser.parse(json).get(user), simdjson::SUCCESS) << json;
    const auto street = user["location"]["street"];
    n.street_object += street.is_object();
    n.street_string += street.is_string();
    const auto postcode = user["location"]["postcode"];
    n.postcode_number += postcode.is_int64();
    n.postcode_string += postcode.is_string();
    if (user["id"]["value"].is_null()) {
      ++n.id_null;
      EXPECT_EQ(std::string_view(user["id"]["name"]), "");
    }
    const std::string_view dob = user["dob"]["date"];
    const std::string_view registered = user["registered"]["date"];
    ASSERT_TRUE(dob.size() == 24 || dob.size() == 20) << dob;
    ASSERT_EQ(dob.size(), registered.size());
    (dob.size() == 24 ? n.dates_with_ms : n.dates_without_ms)++;
    // Whole years to the reference instant, 2024-01-01T00:00:00Z.
    const int year = std::stoi(std::string(dob.substr(0, 4)));
    EXPECT_EQ(int64_t(user["dob"]["age"]), 2023 - year) << dob;
    EXPECT_EQ(int64_t(user["registered"]["age"]), 2023 - std::stoi(std::string(registered.substr(0, 4))));
    EXPECT_GE(int64_t(user["dob"]["age"]), 17);
    n.non_ascii_name +=
        has_non_ascii(std::string_view(user["name"]["first"])) || has_non_ascii(std::string_view(user["name"]["last"]));
    n.non_ascii_email += has_non_ascii(std::string_view(user["email"]));
    n.extra_fields +=
        unknown_keys(user, top) + unknown_keys(user["name"], name_keys) + unknown_keys(user["dob"], dated_keys) > 0;
  }
  const double average = double(n.bytes) / kUsers;
  std::printf(
      "street object %zu string %zu | postcode number %zu string %zu | id null %zu | "
      "dates ms %zu no-ms %zu | non-ASCII names %zu e-mails %zu | extra %zu | "
      "avg %.0f bytes\n",
      n.street_object, n.street_string, n.postcode_number, n.postcode_string, n.id_null, n.dates_with_ms,
      n.dates_without_ms, n.non_ascii_name, n.non_ascii_email, n.extra_fields, average);
  EXPECT_GE(n.street_object, kMin);
  EXPECT_GE(n.street_string, kMin);
  EXPECT_EQ(n.street_object + n.street_string, kUsers);
  EXPECT_GE(n.postcode_number, kMin);
  EXPECT_GE(n.postcode_string, kMin);
  EXPECT_GE(n.id_null, kMin);
  EXPECT_GE(n.dates_with_ms, kMin);
  EXPECT_GE(n.dates_without_ms, kMin);
  EXPECT_GE(n.non_ascii_name, kMin);
  EXPECT_GE(n.non_ascii_email, kMin);
  EXPECT_GE(n.extra_fields, kMin);
  EXPECT_GT(average, 800.0);
  EXPECT_LT(average, 1400.0);
}

TEST(RandomUserGenerator, EveryNationalityOccurs) {
  RandomUserGenerator gen(GeneratorOptions{});
  simdjson::dom::parser parser;
  std::set<std::string> nats;
  for (uint64_t i = 0; i < 5000; ++i) {
    const std::string json = gen.user_json(i);
    nats.insert(std::string(std::string_view(parser.parse(json)["nat"])));
  }
  const std::set<std::string> expected{"AU", "BR", "CA", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE",
                                       "IN", "IR", "MX", "NL", "NO", "NZ", "RS", "TR", "UA", "US"};
  EXPECT_EQ(nats, expected);
}

TEST(RandomUserGenerator, StringsAreEscapedAsJson) {
  // Apostrophes appear in names and streets ("O'Brien", "Queen's Road"); the
  // output must still parse and round-trip them.
  RandomUserGenerator gen(GeneratorOptions{});
  simdjson::dom::parser parser;
  size_t apostrophes = 0;
  for (uint64_t i = 0; i < 20000; ++i) {
    const std::string json = gen.user_json(i);
    ASSERT_EQ(parser.parse(json).error(), simdjson::SUCCESS);
    apostrophes += json.find('\'') != std::string::npos;
  }
  EXPECT_GT(apostrophes, 0u);
}

TEST(RandomUserGenerator, MillionIndicesGiveMillionDistinctUuids) {
  RandomUserGenerator gen(GeneratorOptions{});
  std::vector<std::string> uuids;
  uuids.reserve(1000000);
  for (uint64_t i = 0; i < 1000000; ++i) uuids.push_back(gen.login_uuid(i));
  std::sort(uuids.begin(), uuids.end());
  EXPECT_EQ(std::adjacent_find(uuids.begin(), uuids.end()), uuids.end());
  for (size_t i = 0; i < uuids.size(); i += 9973) EXPECT_TRUE(is_uuid_v4(uuids[i])) << uuids[i];
}

TEST(RandomUserGenerator, UuidsStayDistinctAcrossFarApartIndices) {
  RandomUserGenerator gen(GeneratorOptions{.seed = "far"});
  std::set<std::string> uuids;
  for (uint64_t k = 0; k < 62; ++k) {
    for (uint64_t d = 0; d < 64; ++d) uuids.insert(gen.login_uuid((uint64_t{1} << k) + d));
  }
  for (uint64_t d = 0; d < 64; ++d) uuids.insert(gen.login_uuid(RandomUserGenerator::kUniqueIndexLimit - 1 - d));
  std::set<uint64_t> indices;
  for (uint64_t k = 0; k < 62; ++k) {
    for (uint64_t d = 0; d < 64; ++d) indices.insert((uint64_t{1} << k) + d);
  }
  for (uint64_t d = 0; d < 64; ++d) indices.insert(RandomUserGenerator::kUniqueIndexLimit - 1 - d);
  EXPECT_EQ(uuids.size(), indices.size());
}

}  // namespace
}  // namespace kascade
