// testing/users_reference/tests/users_mapping_test.cc: randomuser users and their real-world variants mapped to rows.
#include "testing/users_reference/users_mapping.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/users_reference/user_fixtures.h"

namespace kascade {
namespace {

using testing_users::kApi14User;
using testing_users::kDobMs;
using testing_users::kProcessedAtMs;
using testing_users::kRecordTimestampMs;
using testing_users::kRegisteredMs;
using testing_users::MappingHarness;
using testing_users::with;

TEST(UsersSchema, ColumnsInOrderWithTypes) {
  const TableSchema& s = users_schema();
  EXPECT_EQ(s.name, "users");
  const std::vector<std::pair<std::string, ColumnType>> expected = {{"id", ColumnType::uuid},
                                                                    {"first_name", ColumnType::text},
                                                                    {"last_name", ColumnType::text},
                                                                    {"title", ColumnType::text},
                                                                    {"gender", ColumnType::text},
                                                                    {"email", ColumnType::text},
                                                                    {"username", ColumnType::text},
                                                                    {"dob", ColumnType::timestamp},
                                                                    {"registered_date", ColumnType::timestamp},
                                                                    {"age", ColumnType::int32},
                                                                    {"phone", ColumnType::text},
                                                                    {"cell", ColumnType::text},
                                                                    {"picture", ColumnType::text},
                                                                    {"address", ColumnType::text},
                                                                    {"street_number", ColumnType::int32},
                                                                    {"street_name", ColumnType::text},
                                                                    {"city", ColumnType::text},
                                                                    {"state", ColumnType::text},
                                                                    {"country", ColumnType::text},
                                                                    {"post_code", ColumnType::text},
                                                                    {"latitude", ColumnType::float64},
                                                                    {"longitude", ColumnType::float64},
                                                                    {"timezone_offset", ColumnType::text},
                                                                    {"nationality", ColumnType::text},
                                                                    {"fetched_at", ColumnType::timestamp},
                                                                    {"processed_at", ColumnType::timestamp}};
  ASSERT_EQ(s.columns.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s.columns[i].name, expected[i].first) << i;
    EXPECT_EQ(s.columns[i].type, expected[i].second) << expected[i].first;
  }
  EXPECT_EQ(s.primary_key, std::vector<std::string>{"id"});
}

TEST(UsersMapping, Api14UserMapsToEveryColumn) {
  MappingHarness h;
  const size_t r = h.map_ok(kApi14User);
  EXPECT_EQ(h.rows().rows(), 1u);
  EXPECT_EQ(h.text(r, "id"), "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c");
  EXPECT_EQ(h.text(r, "first_name"), "Thea");
  EXPECT_EQ(h.text(r, "last_name"), "Lindqvist");
  EXPECT_EQ(h.text(r, "title"), "Mrs");
  EXPECT_EQ(h.text(r, "gender"), "female");
  EXPECT_EQ(h.text(r, "email"), "thea.lindqvist@example.com");
  EXPECT_EQ(h.text(r, "username"), "silverotter482");
  EXPECT_EQ(h.integer(r, "dob"), kDobMs);
  EXPECT_EQ(h.integer(r, "registered_date"), kRegisteredMs);
  EXPECT_EQ(h.integer(r, "age"), 37);
  EXPECT_EQ(h.text(r, "phone"), "(406) 555-0143");
  EXPECT_EQ(h.text(r, "cell"), "(406) 555-0178");
  EXPECT_EQ(h.text(r, "picture"), "https://randomuser.me/api/portraits/med/women/44.jpg");
  EXPECT_EQ(h.text(r, "address"), "4417 Hollow Creek Rd, Bozeman, Montana, United States");
  EXPECT_EQ(h.integer(r, "street_number"), 4417);
  EXPECT_EQ(h.text(r, "street_name"), "Hollow Creek Rd");
  EXPECT_EQ(h.text(r, "city"), "Bozeman");
  EXPECT_EQ(h.text(r, "state"), "Montana");
  EXPECT_EQ(h.text(r, "country"), "United States");
  EXPECT_EQ(h.text(r, "post_code"), "59715");
  EXPECT_EQ(h.real(r, "latitude"), -12.5731);
  EXPECT_EQ(h.real(r, "longitude"), 151.0342);
  EXPECT_EQ(h.text(r, "timezone_offset"), "+9:30");
  EXPECT_EQ(h.text(r, "nationality"), "US");
  EXPECT_EQ(h.integer(r, "fetched_at"), kRecordTimestampMs);
  EXPECT_EQ(h.integer(r, "processed_at"), kProcessedAtMs);
}

TEST(UsersMapping, SecretsNeverReachTheArena) {
  MappingHarness h;
  h.map_ok(kApi14User);
  h.map_ok(with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "4417 hollow creek rd")"));
  const std::string arena = h.rows().arena();
  for (const char* secret : {"PW-marzipan77", "SALT-Qk9zRt", "md5-", "sha1-", "sha256-", "password", "salt", "9c1f0e7b",
                             "4a6c8e0f", "7e9a1c3e"}) {
    EXPECT_EQ(arena.find(secret), std::string::npos) << secret;
  }
}

TEST(UsersMapping, FetchedAtHeaderWinsWhenValid) {
  MappingHarness h;
  const size_t a = h.map_ok(kApi14User, {{"source", "randomuser"}, {"fetched_at", "1712345678901"}});
  EXPECT_EQ(h.integer(a, "fetched_at"), 1712345678901);
  const size_t b = h.map_ok(kApi14User, {{"fetched_at", "17123x"}});
  EXPECT_EQ(h.integer(b, "fetched_at"), kRecordTimestampMs);
  const size_t c = h.map_ok(kApi14User, {{"fetched_at", ""}});
  EXPECT_EQ(h.integer(c, "fetched_at"), kRecordTimestampMs);
  const size_t d = h.map_ok(kApi14User, {{"fetched_at", "-"}});
  EXPECT_EQ(h.integer(d, "fetched_at"), kRecordTimestampMs);
}

TEST(UsersMapping, DuplicateKeysFirstOneWins) {
  MappingHarness h;
  const size_t r = h.map_ok(with(R"("first": "Thea")", R"("first": "Thea", "first": 7)"));
  EXPECT_EQ(h.text(r, "first_name"), "Thea");
}

TEST(UsersMapping, StreetAsPlainStringWithLeadingNumber) {
  MappingHarness h;
  const size_t r =
      h.map_ok(with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "8929 valwood pkwy")"));
  EXPECT_EQ(h.integer(r, "street_number"), 8929);
  EXPECT_EQ(h.text(r, "street_name"), "valwood pkwy");
  EXPECT_EQ(h.text(r, "address"), "8929 valwood pkwy, Bozeman, Montana, United States");
}

TEST(UsersMapping, StreetAsPlainStringWithoutNumber) {
  MappingHarness h;
  const size_t r =
      h.map_ok(with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "rue de la paix")"));
  EXPECT_EQ(h.integer(r, "street_number"), std::nullopt);
  EXPECT_EQ(h.text(r, "street_name"), "rue de la paix");
  EXPECT_EQ(h.text(r, "address"), "rue de la paix, Bozeman, Montana, United States");
  const size_t s =
      h.map_ok(with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": "12b rue haute")"));
  EXPECT_EQ(h.integer(s, "street_number"), std::nullopt);
  EXPECT_EQ(h.text(s, "street_name"), "12b rue haute");
}

TEST(UsersMapping, StreetNumberAsDigitString) {
  MappingHarness h;
  const size_t r = h.map_ok(with(R"("number": 4417)", R"("number": "4417")"));
  EXPECT_EQ(h.integer(r, "street_number"), 4417);
  EXPECT_EQ(h.text(r, "address"), "4417 Hollow Creek Rd, Bozeman, Montana, United States");
}

TEST(UsersMapping, PostcodeStringOrNumber) {
  MappingHarness h;
  const size_t a = h.map_ok(with(R"("postcode": 59715)", R"("postcode": "IZ67 5RD")"));
  EXPECT_EQ(h.text(a, "post_code"), "IZ67 5RD");
  const size_t b = h.map_ok(with(R"("postcode": 59715)", R"("postcode": "04109")"));
  EXPECT_EQ(h.text(b, "post_code"), "04109");
  const size_t c = h.map_ok(with(R"("postcode": 59715)", R"("postcode": 59715.0)"));
  EXPECT_EQ(h.text(c, "post_code"), "59715");
  const size_t d = h.map_ok(with(R"("postcode": 59715)", R"("postcode": null)"));
  EXPECT_EQ(h.text(d, "post_code"), std::nullopt);
}

TEST(UsersMapping, IdValueNullAndIdAbsent) {
  MappingHarness h;
  h.map_ok(with(R"("value": "512-44-9021")", R"("value": null)"));
  h.map_ok(with(R"("id": {"name": "SSN", "value": "512-44-9021"},)", ""));
  EXPECT_EQ(h.rows().rows(), 2u);
}

TEST(UsersMapping, DatesWithoutMillisecondsAndWithSpace) {
  MappingHarness h;
  std::string json = with("1987-11-23T08:41:07.512Z", "1987-11-23T08:41:07Z");
  json = with("2011-05-02T19:03:44.090Z", "2011-05-02 19:03:44", json);
  const size_t r = h.map_ok(json);
  EXPECT_EQ(h.integer(r, "dob"), 564655267000);
  EXPECT_EQ(h.integer(r, "registered_date"), 1304363024000);
}

TEST(UsersMapping, CoordinatesAsNumbersOrStrings) {
  MappingHarness h;
  const size_t r = h.map_ok(
      with(R"({"latitude": "-12.5731", "longitude": "151.0342"})", R"({"latitude": -12.5731, "longitude": 151})"));
  EXPECT_EQ(h.real(r, "latitude"), -12.5731);
  EXPECT_EQ(h.real(r, "longitude"), 151.0);
}

TEST(UsersMapping, NonAsciiKeptByteExact) {
  MappingHarness h;
  std::string json = with(R"("first": "Thea")", "\"first\": \"Ma\xC3\xABlle \xE5\xB0\x8F\xE6\x9E\x97\"");
  json = with("thea.lindqvist@example.com", "ma\xC3\xABlle@\xC3\xA9xample.fr", json);
  json = with(R"("last": "Lindqvist")", R"("last": "Dvo\u0159\u00e1k \ud83d\ude00")", json);
  const size_t r = h.map_ok(json);
  EXPECT_EQ(h.text(r, "first_name"), "Ma\xC3\xABlle \xE5\xB0\x8F\xE6\x9E\x97");
  EXPECT_EQ(h.text(r, "email"), "ma\xC3\xABlle@\xC3\xA9xample.fr");
  EXPECT_EQ(h.text(r, "last_name"), "Dvo\xC5\x99\xC3\xA1k \xF0\x9F\x98\x80");
}

TEST(UsersMapping, UnknownFieldsIgnoredAndUuidCanonicalised) {
  MappingHarness h;
  std::string json = with(R"("nat": "US")", R"("nat": "US", "extra": {"deep": [1, 2, {"x": null}]}, "v": 2.5)");
  json = with("3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c", "3F2B8C1E-7D4A-4E9B-A6C5-0D1E2F3A4B5C", json);
  const size_t r = h.map_ok(json);
  EXPECT_EQ(h.text(r, "id"), "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c");
}

TEST(UsersMapping, OptionalFieldsAbsentOrNullBecomeNull) {
  MappingHarness h;
  const std::string minimal = R"({"login": {"uuid": "00000000-0000-4000-8000-000000000001"},
    "name": {"first": "A", "last": "B", "title": null}, "email": "a@b.c",
    "dob": {"date": "2000-01-01T00:00:00Z", "age": null}, "location": null, "phone": null})";
  const size_t r = h.map_ok(minimal);
  for (const char* column : {"title", "gender", "username", "registered_date", "age", "phone", "cell", "picture",
                             "address", "street_number", "street_name", "city", "state", "country", "post_code",
                             "latitude", "longitude", "timezone_offset", "nationality"}) {
    EXPECT_TRUE(h.cell(r, column).is_null()) << column;
  }
  EXPECT_EQ(h.integer(r, "dob"), 946684800000);
  EXPECT_EQ(h.text(r, "first_name"), "A");
}

// A cleared batch reuses its cells: a row of a minimal user written where a full
// user's row was must still have every absent value NULL.
TEST(UsersMapping, ReusedBatchCellsOfAbsentValuesAreNull) {
  UsersMapper mapper;
  RowBatch rows(&users_schema());
  ConsumedRecord record;
  record.timestamp_ms = kRecordTimestampMs;
  const std::string full(kApi14User);
  const std::string minimal = R"({"login": {"uuid": "00000000-0000-4000-8000-000000000001"},
    "name": {"first": "A", "last": "B"}, "email": "a@b.c",
    "dob": {"date": "2000-01-01T00:00:00Z"}})";
  for (int i = 0; i < 3; ++i) {
    record.value = full;
    ASSERT_FALSE(mapper.map(record, kProcessedAtMs, rows).has_value());
  }
  rows.clear();
  for (int i = 0; i < 3; ++i) {
    record.value = minimal;
    ASSERT_FALSE(mapper.map(record, kProcessedAtMs, rows).has_value());
  }
  ASSERT_EQ(rows.rows(), 3u);
  const TableSchema& schema = users_schema();
  for (size_t r = 0; r < rows.rows(); ++r) {
    for (const char* column : {"title", "gender", "username", "registered_date", "age", "phone", "cell", "picture",
                               "address", "street_number", "street_name", "city", "state", "country", "post_code",
                               "latitude", "longitude", "timezone_offset", "nationality"}) {
      EXPECT_TRUE(rows.get(r, static_cast<size_t>(schema.column_index(column))).is_null()) << r << " " << column;
    }
    EXPECT_EQ(rows.text(rows.get(r, 0)), "00000000-0000-4000-8000-000000000001");
    EXPECT_EQ(rows.text(rows.get(r, static_cast<size_t>(schema.column_index("email")))), "a@b.c");
  }
}

TEST(UsersMapping, AddressSkipsAbsentParts) {
  MappingHarness h;
  const size_t r = h.map_ok(with(R"("state": "Montana",)", ""));
  EXPECT_EQ(h.text(r, "address"), "4417 Hollow Creek Rd, Bozeman, United States");
  EXPECT_TRUE(h.cell(r, "state").is_null());
}

TEST(UsersMapping, ManyRowsInOneBatchKeepTheirOwnCells) {
  MappingHarness h;
  for (int i = 0; i < 50; ++i) {
    const std::string first = "First" + std::to_string(i);
    h.map_ok(with(R"("first": "Thea")", "\"first\": \"" + first + "\""));
  }
  ASSERT_EQ(h.rows().rows(), 50u);
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(h.text(i, "first_name"), "First" + std::to_string(i));
    EXPECT_EQ(h.text(i, "city"), "Bozeman");
  }
}

TEST(UsersMapping, LargeButAllowedRecordThenSmallOnesStillWork) {
  MappingHarness h;
  const std::string big = with(R"("nat": "US")", "\"nat\": \"US\", \"blob\": \"" + std::string(600 * 1024, 'x') + "\"");
  const size_t a = h.map_ok(big);
  EXPECT_EQ(h.text(a, "nationality"), "US");
  const size_t b = h.map_ok(kApi14User);
  EXPECT_EQ(h.text(b, "first_name"), "Thea");
}

// An escaped control character is no hex digit, even though it differs from one by 0x20.
TEST(UsersMapping, EscapedControlCharacterInUuidIsNoHexDigit) {
  MappingHarness h;
  const auto failure = h.map(with("3f2b8c1e-7d4a", "\\u0013f2b8c1e-7d4a"));
  ASSERT_TRUE(failure.has_value());
  EXPECT_STREQ(failure->error_class, "validation");
}

}  // namespace
}  // namespace kascade
