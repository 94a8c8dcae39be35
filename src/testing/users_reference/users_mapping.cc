// testing/users_reference/users_mapping.cc: parse (simdjson DOM), validate and flatten randomuser users into rows.
#include "testing/users_reference/users_mapping.h"

#include <simdjson.h>

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "core/dead_letter.h"
#include "core/timestamp.h"
#include "process/transforms/json_fields.h"
#include "process/transforms/scalars.h"
#include "testing/users_reference/users_columns.h"

namespace kascade {
namespace {

using json_fields::Object;
using json_fields::Problem;
using json_fields::Slot;
using std::optional;
using std::string_view;
using namespace users_columns;

// The keys kascade reads, per object. login.password/salt/md5/sha1/sha256 are
// deliberately absent: those values are never looked at, let alone stored.
enum Top {
  kTGender,
  kTName,
  kTLocation,
  kTEmail,
  kTLogin,
  kTDob,
  kTRegistered,
  kTPhone,
  kTCell,
  kTPicture,
  kTNat,
  kTopCount
};
constexpr std::array<string_view, kTopCount> kTopKeys = {"gender",     "name",  "location", "email",   "login", "dob",
                                                         "registered", "phone", "cell",     "picture", "nat"};
enum Name { kNTitle, kNFirst, kNLast, kNameCount };
constexpr std::array<string_view, kNameCount> kNameKeys = {"title", "first", "last"};
enum Location { kLStreet, kLCity, kLState, kLCountry, kLPostcode, kLCoordinates, kLTimezone, kLocationCount };
constexpr std::array<string_view, kLocationCount> kLocationKeys = {"street",   "city",        "state",   "country",
                                                                   "postcode", "coordinates", "timezone"};
enum Street { kSNumber, kSName, kStreetCount };
constexpr std::array<string_view, kStreetCount> kStreetKeys = {"number", "name"};
enum Coordinates { kCLatitude, kCLongitude, kCoordinatesCount };
constexpr std::array<string_view, kCoordinatesCount> kCoordinatesKeys = {"latitude", "longitude"};
enum Login { kLoUuid, kLoUsername, kLoginCount };
constexpr std::array<string_view, kLoginCount> kLoginKeys = {"uuid", "username"};
enum Dated { kDDate, kDAge, kDatedCount };
constexpr std::array<string_view, kDatedCount> kDatedKeys = {"date", "age"};
constexpr std::array<string_view, 1> kTimezoneKeys = {"offset"};
constexpr std::array<string_view, 1> kPictureKeys = {"medium"};

// One user, validated, as views into the parsed document (valid until the next parse).
struct UserView {
  char id[36];
  string_view first_name, last_name, email;
  optional<string_view> title, gender, username, phone, cell, picture;
  optional<string_view> street_name, city, state, country, post_code, timezone_offset, nationality;
  int64_t dob_ms = 0;
  optional<int64_t> registered_ms;
  optional<int32_t> age, street_number;
  optional<double> latitude, longitude;
  char post_code_digits[32];  // post_code's bytes when the JSON held a number
};

// A timestamp string, required or optional, as ms since the epoch.
bool read_timestamp(const Slot& slot, string_view pointer, optional<int64_t>& out, Problem& problem) {
  optional<string_view> text;
  out.reset();
  if (!json_fields::read_text(slot, pointer, text, problem)) return false;
  if (!text) return true;
  out = scalars::timestamp_ms(*text);
  if (!out) problem.bad_text(pointer, "not an ISO-8601 timestamp:", *text);
  return out.has_value();
}

// All-digit text ("8929") as an int32.
optional<int32_t> parse_digits_int32(string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  int64_t v = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > std::numeric_limits<int32_t>::max()) return std::nullopt;
  return static_cast<int32_t>(v);
}

// location.street: {number, name} (API 1.3+) or "8929 valwood pkwy" (older).
bool read_street(const Slot& slot, UserView& user, Problem& problem) {
  if (slot.is_null()) return true;
  if (slot.tag() == '"') {
    const string_view text = slot.text();
    const size_t space = text.find(' ');
    const optional<int32_t> number =
        space == string_view::npos ? std::nullopt : parse_digits_int32(text.substr(0, space));
    const size_t rest = text.find_first_not_of(' ', space == string_view::npos ? 0 : space);
    if (number && rest != string_view::npos) {
      user.street_number = number;
      user.street_name = text.substr(rest);
    } else {
      user.street_name = text;
    }
    return true;
  }
  Object street;
  if (!json_fields::read_object(slot, "/location/street", street, problem)) return false;
  const json_fields::Fields<kStreetKeys> f(street);
  if (f[kSNumber].present() && f[kSNumber].tag() == '"') {
    const string_view text = f[kSNumber].text();
    user.street_number = parse_digits_int32(text);
    if (!user.street_number) {
      problem.bad_text("/location/street/number", "not a street number:", text);
      return false;
    }
  } else if (!json_fields::read_int32(f[kSNumber], "/location/street/number", user.street_number, problem)) {
    return false;
  }
  return json_fields::read_text(f[kSName], "/location/street/name", user.street_name, problem);
}

// location.postcode: a string ("IZ67 5RD") or a number (printed without decimals).
bool read_post_code(const Slot& slot, UserView& user, Problem& problem) {
  if (slot.is_null()) return true;
  char* const first = user.post_code_digits;
  char* const last = first + sizeof(user.post_code_digits);
  std::to_chars_result printed{};
  switch (slot.tag()) {
    case '"':
      user.post_code = slot.text();
      return true;
    case 'l':
      printed = std::to_chars(first, last, slot.int64());
      break;
    case 'u':
      printed = std::to_chars(first, last, slot.uint64());
      break;
    case 'd': {
      const double v = slot.real();
      if (v == std::trunc(v) && std::fabs(v) < 1e18) {
        printed = std::to_chars(first, last, static_cast<int64_t>(v));
      } else {
        printed = std::to_chars(first, last, v);
      }
      break;
    }
    default:
      problem.wrong_type("/location/postcode", "a string or a number", slot);
      return false;
  }
  user.post_code = string_view(first, static_cast<size_t>(printed.ptr - first));
  return true;
}

bool read_coordinate(const Slot& slot, string_view pointer, double limit, optional<double>& out, Problem& problem) {
  if (!slot.is_null() && slot.tag() == '"') {
    const string_view text = slot.text();
    out = scalars::decimal(text);
    if (!out) {
      problem.bad_text(pointer, "not a number:", text);
      return false;
    }
  } else if (!json_fields::read_number_or_numeric_text(slot, pointer, out, problem)) {
    return false;
  }
  if (out && !(*out >= -limit && *out <= limit)) {
    problem.set(pointer, "out of range");
    return false;
  }
  return true;
}

bool read_location(const Slot& slot, UserView& user, Problem& problem) {
  Object location;
  if (!json_fields::read_object(slot, "/location", location, problem)) return false;
  if (!location) return true;
  const json_fields::Fields<kLocationKeys> f(location);
  if (!read_street(f[kLStreet], user, problem) ||
      !json_fields::read_text(f[kLCity], "/location/city", user.city, problem) ||
      !json_fields::read_text(f[kLState], "/location/state", user.state, problem) ||
      !json_fields::read_text(f[kLCountry], "/location/country", user.country, problem) ||
      !read_post_code(f[kLPostcode], user, problem)) {
    return false;
  }
  Object coordinates;
  if (!json_fields::read_object(f[kLCoordinates], "/location/coordinates", coordinates, problem)) {
    return false;
  }
  if (coordinates) {
    const json_fields::Fields<kCoordinatesKeys> c(coordinates);
    if (!read_coordinate(c[kCLatitude], "/location/coordinates/latitude", 90, user.latitude, problem) ||
        !read_coordinate(c[kCLongitude], "/location/coordinates/longitude", 180, user.longitude, problem)) {
      return false;
    }
  }
  Object timezone;
  if (!json_fields::read_object(f[kLTimezone], "/location/timezone", timezone, problem)) {
    return false;
  }
  if (timezone) {
    const json_fields::Fields<kTimezoneKeys> t(timezone);
    return json_fields::read_text(t[0], "/location/timezone/offset", user.timezone_offset, problem);
  }
  return true;
}

// Reads and checks every field the users table needs; false (with `problem` set) if the
// document does not have the expected shape.
bool read_user(Object root, UserView& user, Problem& problem) {
  const json_fields::Fields<kTopKeys> top(root);

  Object login;
  if (!json_fields::read_object(top[kTLogin], "/login", login, problem)) return false;
  const json_fields::Fields<kLoginKeys> lo(login);
  string_view uuid;
  if (!json_fields::require_text(lo[kLoUuid], "/login/uuid", uuid, problem)) return false;
  if (!scalars::canonical_uuid(uuid, user.id)) {
    problem.bad_text("/login/uuid", "not a UUID:", uuid);
    return false;
  }
  if (!json_fields::read_text(lo[kLoUsername], "/login/username", user.username, problem)) {
    return false;
  }

  Object name;
  if (!json_fields::read_object(top[kTName], "/name", name, problem)) return false;
  const json_fields::Fields<kNameKeys> n(name);
  if (!json_fields::require_text(n[kNFirst], "/name/first", user.first_name, problem) ||
      !json_fields::require_text(n[kNLast], "/name/last", user.last_name, problem) ||
      !json_fields::read_text(n[kNTitle], "/name/title", user.title, problem) ||
      !json_fields::require_text(top[kTEmail], "/email", user.email, problem)) {
    return false;
  }

  Object dob;
  if (!json_fields::read_object(top[kTDob], "/dob", dob, problem)) return false;
  const json_fields::Fields<kDatedKeys> d(dob);
  if (!d[kDDate].present()) {
    problem.missing("/dob/date");
    return false;
  }
  optional<int64_t> dob_ms;
  if (!read_timestamp(d[kDDate], "/dob/date", dob_ms, problem)) return false;
  if (!dob_ms) {
    problem.wrong_type("/dob/date", "a string", d[kDDate]);
    return false;
  }
  user.dob_ms = *dob_ms;
  if (!json_fields::read_int32(d[kDAge], "/dob/age", user.age, problem)) return false;

  Object registered;
  if (!json_fields::read_object(top[kTRegistered], "/registered", registered, problem)) {
    return false;
  }
  const json_fields::Fields<kDatedKeys> r(registered);
  if (!read_timestamp(r[kDDate], "/registered/date", user.registered_ms, problem)) return false;

  Object picture;
  if (!json_fields::read_object(top[kTPicture], "/picture", picture, problem)) return false;
  const json_fields::Fields<kPictureKeys> p(picture);

  return json_fields::read_text(top[kTGender], "/gender", user.gender, problem) &&
         json_fields::read_text(top[kTPhone], "/phone", user.phone, problem) &&
         json_fields::read_text(top[kTCell], "/cell", user.cell, problem) &&
         json_fields::read_text(p[0], "/picture/medium", user.picture, problem) &&
         json_fields::read_text(top[kTNat], "/nat", user.nationality, problem) &&
         read_location(top[kTLocation], user, problem);
}

// The parts of "<number> <street>, <city>, <state>, <country>", and its size.
struct Address {
  char digits[16];
  size_t digit_count = 0;
  size_t size = 0;

  explicit Address(const UserView& user) {
    if (user.street_number) {
      digit_count =
          static_cast<size_t>(std::to_chars(digits, digits + sizeof(digits), *user.street_number).ptr - digits);
      size = digit_count;
    }
    if (user.street_name) size += (size != 0) + user.street_name->size();
    for (const optional<string_view>* part : {&user.city, &user.state, &user.country}) {
      if (*part) size += (size != 0 ? 2 : 0) + (*part)->size();
    }
  }
};

// "<number> <street>, <city>, <state>, <country>", skipping absent parts; NULL if all are.
void write_address(RowWriter& row, const UserView& user, const Address& address) {
  if (address.size == 0) {
    row.null(kAddress);
    return;
  }
  const size_t start = row.used();
  char* const first = row.cursor();
  char* out = first;
  for (size_t i = 0; i < address.digit_count; ++i) *out++ = address.digits[i];
  if (user.street_name) {
    if (out != first) *out++ = ' ';
    copy_text_bytes(out, user.street_name->data(), user.street_name->size());
    out += user.street_name->size();
  }
  for (const optional<string_view>* part : {&user.city, &user.state, &user.country}) {
    if (!*part) continue;
    if (out != first) {
      out[0] = ',';
      out[1] = ' ';
      out += 2;
    }
    copy_text_bytes(out, (*part)->data(), (*part)->size());
    out += (*part)->size();
  }
  assert(static_cast<size_t>(out - first) == address.size);
  row.advance(address.size);
  row.set_range(kAddress, start, address.size);
}

size_t size_of(const optional<string_view>& v) { return v ? v->size() : 0; }

void append_row(RowBatch& rows, const UserView& user, int64_t fetched_at_ms, int64_t processed_at_ms) {
  const Address address(user);
  const size_t text_bytes = sizeof(user.id) + user.first_name.size() + user.last_name.size() + size_of(user.title) +
                            size_of(user.gender) + user.email.size() + size_of(user.username) + size_of(user.phone) +
                            size_of(user.cell) + size_of(user.picture) + address.size + size_of(user.street_name) +
                            size_of(user.city) + size_of(user.state) + size_of(user.country) + size_of(user.post_code) +
                            size_of(user.timezone_offset) + size_of(user.nationality);
  RowWriter row(rows, text_bytes);
  row.text(kId, string_view(user.id, sizeof(user.id)));
  row.text(kFirstName, user.first_name);
  row.text(kLastName, user.last_name);
  row.text(kTitle, user.title);
  row.text(kGender, user.gender);
  row.text(kEmail, user.email);
  row.text(kUsername, user.username);
  row.integer(kDob, user.dob_ms);
  row.integer(kRegisteredDate, user.registered_ms);
  row.integer(kAge, user.age);
  row.text(kPhone, user.phone);
  row.text(kCell, user.cell);
  row.text(kPicture, user.picture);
  write_address(row, user, address);
  row.integer(kStreetNumber, user.street_number);
  row.text(kStreetName, user.street_name);
  row.text(kCity, user.city);
  row.text(kState, user.state);
  row.text(kCountry, user.country);
  row.text(kPostCode, user.post_code);
  row.real(kLatitude, user.latitude);
  row.real(kLongitude, user.longitude);
  row.text(kTimezoneOffset, user.timezone_offset);
  row.text(kNationality, user.nationality);
  row.integer(kFetchedAt, fetched_at_ms);
  row.integer(kProcessedAt, processed_at_ms);
  assert(row.used() == text_bytes);
}

int64_t fetched_at_of(const ConsumedRecord& record) {
  if (const auto header = record.header("fetched_at")) {
    if (const auto ms = json_fields::parse_decimal_int64(*header)) return *ms;
  }
  return record.timestamp_ms;
}

// After a record this large, the parser's buffers are released rather than kept.
constexpr size_t kShrinkAboveBytes = 256 * 1024;

}  // namespace

// The parser (with its padded input copy, tape and string buffers) and the
// reusable problem message. Used by the one processor thread owning the mapper.
struct UsersMapper::Impl {
  UsersMapperOptions options;
  simdjson::dom::parser parser;
  Problem problem;

  // Buffers grow to the largest record seen; parsing is measurably slower with buffers
  // much larger than the records, so none are allocated up front.
  void reset_parser() { parser = simdjson::dom::parser{}; }
};

UsersMapper::UsersMapper(UsersMapperOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->reset_parser();
}

UsersMapper::~UsersMapper() = default;

std::optional<MappingFailure> UsersMapper::map(const ConsumedRecord& record, int64_t processed_at_ms, RowBatch& rows) {
  static_assert(kColumnCount == 26);
  assert(rows.columns() == kColumnCount);
  const string_view value = record.value;
  if (value.size() > impl_->options.max_record_bytes) {
    return MappingFailure{dead_letter_class::too_large, "record is " + std::to_string(value.size()) +
                                                            " bytes, over the limit of " +
                                                            std::to_string(impl_->options.max_record_bytes)};
  }
  // parse() copies the bytes into the parser's reused, padded buffer.
  simdjson::dom::element parsed;
  const simdjson::error_code error = impl_->parser.parse(value.data(), value.size()).get(parsed);
  std::optional<MappingFailure> failure;
  if (error != simdjson::SUCCESS) {
    failure = MappingFailure{dead_letter_class::parse, std::string("invalid JSON: ") + simdjson::error_message(error)};
  } else if (const json_fields::Doc doc = json_fields::Doc::of(impl_->parser); json_fields::root_of(doc).tag() != '{') {
    failure =
        MappingFailure{dead_letter_class::validation, std::string("(root): expected an object, got ") +
                                                          json_fields::kind_name(json_fields::root_of(doc).type())};
  } else {
    UserView user;
    impl_->problem.clear();
    if (read_user(Object{json_fields::root_of(doc).word, &doc}, user, impl_->problem)) {
      append_row(rows, user, fetched_at_of(record), processed_at_ms);
    } else {
      failure = MappingFailure{dead_letter_class::validation, impl_->problem.message()};
    }
  }
  if (value.size() > kShrinkAboveBytes) impl_->reset_parser();
  return failure;
}

}  // namespace kascade
