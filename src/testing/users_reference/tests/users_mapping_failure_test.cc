// testing/users_reference/tests/users_mapping_failure_test.cc: every bad input becomes a classed failure, never a row.
#include <gtest/gtest.h>

#include <string>

#include "core/dead_letter.h"
#include "testing/users_reference/user_fixtures.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade {
namespace {

using testing_users::kApi14User;
using testing_users::MappingHarness;
using testing_users::with;

// Maps `json` after one good row and expects `error_class` and `message`, with the
// batch (cells and arena) exactly as it was before the call.
void expect_failure(std::string_view json, std::string_view error_class, std::string_view message) {
  MappingHarness h;
  h.map_ok(kApi14User);
  const std::string arena_before = h.rows().arena();
  std::vector<Value> cells_before;
  for (size_t c = 0; c < h.rows().columns(); ++c) cells_before.push_back(h.rows().get(0, c));

  const auto failure = h.map(json);
  ASSERT_TRUE(failure.has_value()) << "expected a failure for: " << json.substr(0, 200);
  EXPECT_EQ(std::string_view(failure->error_class), error_class);
  EXPECT_EQ(failure->message, message);

  EXPECT_EQ(h.rows().rows(), 1u);
  EXPECT_EQ(h.rows().arena(), arena_before);
  for (size_t c = 0; c < h.rows().columns(); ++c) {
    const Value& v = h.rows().get(0, c);
    EXPECT_EQ(v.kind, cells_before[c].kind);
    EXPECT_EQ(v.as.integer, cells_before[c].as.integer);
  }
  // The mapper is still usable afterwards.
  h.map_ok(kApi14User);
  EXPECT_EQ(h.rows().rows(), 2u);
}

TEST(UsersMappingFailure, TruncatedJsonIsParse) {
  expect_failure(kApi14User.substr(0, kApi14User.size() / 2), dead_letter_class::parse,
                 "invalid JSON: A string is opened, but never closed.");
  MappingHarness h;
  for (size_t cut : {kApi14User.size() - 1, kApi14User.find("\"city\""), size_t{1}}) {
    const auto failure = h.map(kApi14User.substr(0, cut));
    ASSERT_TRUE(failure) << cut;
    EXPECT_STREQ(failure->error_class, dead_letter_class::parse);
  }
  EXPECT_EQ(h.rows().rows(), 0u);
}

TEST(UsersMappingFailure, EmptyAndNonJsonAreParse) {
  for (std::string_view bad : {"", "   ", "hello", "{\"a\":}", "{\"a\":1}}", "nul"}) {
    MappingHarness h;
    const auto failure = h.map(bad);
    ASSERT_TRUE(failure) << bad;
    EXPECT_STREQ(failure->error_class, dead_letter_class::parse) << bad;
    EXPECT_EQ(failure->message.rfind("invalid JSON: ", 0), 0u) << failure->message;
    EXPECT_EQ(h.rows().rows(), 0u);
  }
}

// Full validation: a defect in a field the mapper never reads still fails the record.
TEST(UsersMappingFailure, BadJsonInUnreadFieldIsParse) {
  for (const std::string& bad :
       {with(R"("value": "512-44-9021")", R"("value": [1, 2 3])"), with(R"("salt": "SALT-Qk9zRt")", R"("salt": tru)"),
        with(R"("description": "Adelaide, Darwin")", R"("description": "Adelaide\q")"),
        with(R"("nat": "US")", R"("nat": "US", "extra": 01)"), with(R"("thumbnail": )", R"("thumbnail" )")}) {
    MappingHarness h;
    const auto failure = h.map(bad);
    ASSERT_TRUE(failure) << bad;
    EXPECT_STREQ(failure->error_class, dead_letter_class::parse) << bad;
  }
}

TEST(UsersMappingFailure, InvalidUtf8IsParse) {
  expect_failure(with(R"("first": "Thea")",
                      "\"first\": \"Th\xC3\x28"
                      "a\""),
                 dead_letter_class::parse, "invalid JSON: The input is not valid UTF-8");
  // In a field that is never read (and never stored) as well.
  expect_failure(with("PW-marzipan77", "PW-\xFF\xFE"), dead_letter_class::parse,
                 "invalid JSON: The input is not valid UTF-8");
  // Outside any string.
  expect_failure(with(R"("nat": "US")", "\"nat\": \"US\" \xC3\x28"), dead_letter_class::parse,
                 "invalid JSON: The input is not valid UTF-8");
}

TEST(UsersMappingFailure, WrongTypesNameTheirPointer) {
  const std::string_view v = dead_letter_class::validation;
  expect_failure(with(R"("age": 37)", R"("age": "37")"), v, "/dob/age: expected an integer, got a string");
  expect_failure(with(R"("age": 37)", R"("age": 37.5)"), v,
                 "/dob/age: expected an integer, got a number with a fraction or exponent");
  expect_failure(with(R"("age": 37)", R"("age": 99999999999)"), v, "/dob/age: integer out of the int32 range");
  expect_failure(with(R"("name": {"title": "Mrs", "first": "Thea", "last": "Lindqvist"})", R"("name": 42)"), v,
                 "/name: expected an object, got an integer");
  expect_failure(with(R"("last": "Lindqvist")", R"("last": ["Lindqvist"])"), v,
                 "/name/last: expected a string, got an array");
  expect_failure(with(R"("uuid": "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c")", R"("uuid": 7)"), v,
                 "/login/uuid: expected a string, got an integer");
  expect_failure(with(R"("latitude": "-12.5731")", R"("latitude": true)"), v,
                 "/location/coordinates/latitude: expected a number or a numeric string, got "
                 "a boolean");
  expect_failure(with(R"("latitude": "-12.5731")", R"("latitude": "south")"), v,
                 "/location/coordinates/latitude: not a number: \"south\"");
  expect_failure(with(R"("longitude": "151.0342")", R"("longitude": "251.5")"), v,
                 "/location/coordinates/longitude: out of range");
  expect_failure(with(R"("number": 4417)", R"("number": "12B")"), v,
                 "/location/street/number: not a street number: \"12B\"");
  expect_failure(with(R"("number": 4417)", R"("number": {})"), v,
                 "/location/street/number: expected an integer, got an object");
  expect_failure(with(R"("postcode": 59715)", R"("postcode": false)"), v,
                 "/location/postcode: expected a string or a number, got a boolean");
  expect_failure(with(R"("offset": "+9:30")", R"("offset": 9.5)"), v,
                 "/location/timezone/offset: expected a string, got a number with a fraction "
                 "or exponent");
  expect_failure(with(R"("phone": "(406) 555-0143")", R"("phone": 4065550143)"), v,
                 "/phone: expected a string, got an integer");
  expect_failure(with(R"("dob": {"date": "1987-11-23T08:41:07.512Z", "age": 37})", R"("dob": "1987-11-23")"), v,
                 "/dob: expected an object, got a string");
  expect_failure(with(R"("city": "Bozeman")", R"("city": {"name": "Bozeman"})"), v,
                 "/location/city: expected a string, got an object");
  expect_failure(with(R"("street": {"number": 4417, "name": "Hollow Creek Rd"})", R"("street": ["Hollow Creek Rd"])"),
                 v, "/location/street: expected an object, got an array");
}

TEST(UsersMappingFailure, RootMustBeAnObject) {
  expect_failure("[1, 2]", dead_letter_class::validation, "(root): expected an object, got an array");
  expect_failure("\"user\"", dead_letter_class::validation, "(root): expected an object, got a string");
}

TEST(UsersMappingFailure, MissingRequiredFields) {
  const std::string_view v = dead_letter_class::validation;
  expect_failure(with(R"("uuid": "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c",)", ""), v, "/login/uuid: missing");
  expect_failure(with(R"("uuid": "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c")", R"("uuid": null)"), v,
                 "/login/uuid: expected a string, got null");
  expect_failure(R"({"name": {"first": "A", "last": "B"}, "email": "a@b.c",
                    "dob": {"date": "2000-01-01T00:00:00Z"}})",
                 v, "/login/uuid: missing");
  expect_failure(with(R"("name": {"title": "Mrs", "first": "Thea", "last": "Lindqvist"},)", ""), v,
                 "/name/first: missing");
  expect_failure(with(R"("first": "Thea", )", ""), v, "/name/first: missing");
  expect_failure(with(R"(, "last": "Lindqvist")", ""), v, "/name/last: missing");
  expect_failure(with(R"("email": "thea.lindqvist@example.com",)", ""), v, "/email: missing");
  expect_failure(with(R"("dob": {"date": "1987-11-23T08:41:07.512Z", "age": 37},)", ""), v, "/dob/date: missing");
  expect_failure(with(R"("date": "1987-11-23T08:41:07.512Z", )", ""), v, "/dob/date: missing");
  expect_failure(with(R"("date": "1987-11-23T08:41:07.512Z")", R"("date": null)"), v,
                 "/dob/date: expected a string, got null");
}

TEST(UsersMappingFailure, BadValuesOfTheRightType) {
  const std::string_view v = dead_letter_class::validation;
  expect_failure(with("3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c", "not-a-uuid"), v,
                 "/login/uuid: not a UUID: \"not-a-uuid\"");
  expect_failure(with("3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c", "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5g"), v,
                 "/login/uuid: not a UUID: \"3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5g\"");
  expect_failure(with("3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c", std::string(60, 'a')), v,
                 "/login/uuid: not a UUID: \"" + std::string(40, 'a') + "...\"");
  expect_failure(with("1987-11-23T08:41:07.512Z", "1987-02-30T08:41:07Z"), v,
                 "/dob/date: not an ISO-8601 timestamp: \"1987-02-30T08:41:07Z\"");
  expect_failure(with("2011-05-02T19:03:44.090Z", "last tuesday"), v,
                 "/registered/date: not an ISO-8601 timestamp: \"last tuesday\"");
}

TEST(UsersMappingFailure, OversizeIsTooLargeBeforeParsing) {
  // 2 MiB of invalid JSON: classed too_large, so it was never parsed.
  const std::string huge(2 << 20, '{');
  expect_failure(huge, dead_letter_class::too_large, "record is 2097152 bytes, over the limit of 1048576");
  const std::string padded = with(R"("nat": "US")", "\"nat\": \"US\", \"pad\": \"" + std::string(2 << 20, 'p') + "\"");
  expect_failure(padded, dead_letter_class::too_large,
                 "record is " + std::to_string(padded.size()) + " bytes, over the limit of 1048576");
  MappingHarness small({.max_record_bytes = 100});
  const auto failure = small.map(kApi14User);
  ASSERT_TRUE(failure);
  EXPECT_STREQ(failure->error_class, dead_letter_class::too_large);
}

}  // namespace
}  // namespace kascade
