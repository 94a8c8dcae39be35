// testing/users_reference/user_fixtures.h: randomuser-shaped JSON users and a small harness for mapping them.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/row.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade::testing_users {

// One user exactly as the randomuser API 1.4 returns an item of results[].
inline constexpr std::string_view kApi14User = R"({
  "gender": "female",
  "name": {"title": "Mrs", "first": "Thea", "last": "Lindqvist"},
  "location": {
    "street": {"number": 4417, "name": "Hollow Creek Rd"},
    "city": "Bozeman",
    "state": "Montana",
    "country": "United States",
    "postcode": 59715,
    "coordinates": {"latitude": "-12.5731", "longitude": "151.0342"},
    "timezone": {"offset": "+9:30", "description": "Adelaide, Darwin"}
  },
  "email": "thea.lindqvist@example.com",
  "login": {
    "uuid": "3f2b8c1e-7d4a-4e9b-a6c5-0d1e2f3a4b5c",
    "username": "silverotter482",
    "password": "PW-marzipan77",
    "salt": "SALT-Qk9zRt",
    "md5": "md5-9c1f0e7b2a4d6c8e0f1a3b5c7d9e1f20",
    "sha1": "sha1-4a6c8e0f2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a",
    "sha256": "sha256-7e9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a"
  },
  "dob": {"date": "1987-11-23T08:41:07.512Z", "age": 37},
  "registered": {"date": "2011-05-02T19:03:44.090Z", "age": 14},
  "phone": "(406) 555-0143",
  "cell": "(406) 555-0178",
  "id": {"name": "SSN", "value": "512-44-9021"},
  "picture": {
    "large": "https://randomuser.me/api/portraits/women/44.jpg",
    "medium": "https://randomuser.me/api/portraits/med/women/44.jpg",
    "thumbnail": "https://randomuser.me/api/portraits/thumb/women/44.jpg"
  },
  "nat": "US"
})";

inline constexpr int64_t kDobMs = 564655267512;          // 1987-11-23T08:41:07.512Z
inline constexpr int64_t kRegisteredMs = 1304363024090;  // 2011-05-02T19:03:44.090Z
inline constexpr int64_t kRecordTimestampMs = 1700000000000;
inline constexpr int64_t kProcessedAtMs = 1700000000500;

// kApi14User with the one occurrence of `from` replaced by `to`.
inline std::string with(std::string_view from, std::string_view to, std::string_view base = kApi14User) {
  std::string out(base);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << "fixture text not found: " << from;
  EXPECT_EQ(out.find(from, at + 1), std::string::npos) << "fixture text not unique: " << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

// Maps records with one mapper into one batch, and reads cells back by column name.
class MappingHarness {
 public:
  explicit MappingHarness(UsersMapperOptions options = {}) : mapper_(options), rows_(&users_schema()) {}

  std::optional<MappingFailure> map(std::string_view json, std::vector<HeaderView> headers = {}) {
    headers_ = std::move(headers);
    ConsumedRecord record;
    record.partition = 0;
    record.offset = static_cast<int64_t>(rows_.rows());
    record.timestamp_ms = kRecordTimestampMs;
    record.value = json;
    record.headers = headers_;
    return mapper_.map(record, kProcessedAtMs, rows_);
  }

  // Maps and expects success; the row index.
  size_t map_ok(std::string_view json, std::vector<HeaderView> headers = {}) {
    const auto failure = map(json, std::move(headers));
    EXPECT_FALSE(failure.has_value()) << (failure ? failure->message : "");
    return rows_.rows() - 1;
  }

  const Value& cell(size_t row, std::string_view column) const {
    const int col = users_schema().column_index(column);
    EXPECT_GE(col, 0) << column;
    return rows_.get(row, static_cast<size_t>(col < 0 ? 0 : col));
  }
  std::optional<std::string> text(size_t row, std::string_view column) const {
    const Value& v = cell(row, column);
    if (v.is_null()) return std::nullopt;
    EXPECT_EQ(v.kind, Value::Kind::text) << column;
    return std::string(rows_.text(v));
  }
  std::optional<int64_t> integer(size_t row, std::string_view column) const {
    const Value& v = cell(row, column);
    if (v.is_null()) return std::nullopt;
    EXPECT_EQ(v.kind, Value::Kind::integer) << column;
    return v.as.integer;
  }
  std::optional<double> real(size_t row, std::string_view column) const {
    const Value& v = cell(row, column);
    if (v.is_null()) return std::nullopt;
    EXPECT_EQ(v.kind, Value::Kind::real) << column;
    return v.as.real;
  }

  RowBatch& rows() { return rows_; }
  UsersMapper& mapper() { return mapper_; }

 private:
  UsersMapper mapper_;
  RowBatch rows_;
  std::vector<HeaderView> headers_;
};

}  // namespace kascade::testing_users
