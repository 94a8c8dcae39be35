// process/users_mapping_ondemand_rules.cc: UsersMapper's rules, check for check and message for message, on kept values.
//
// The order of the checks is the DOM mapper's (users_mapping.cc), not the
// document's, so that both report the same first problem.
#include "process/users_mapping_ondemand_rules.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "process/users_columns.h"
#include "process/users_scalars.h"

namespace kascade::ondemand_rules {
namespace {

using json_fields::Problem;
using ondemand_values::Captured;
using ondemand_values::Kind;
using ondemand_values::Val;
using std::optional;
using std::string_view;
using namespace users_columns;

// One user, checked, as views into the parser's string buffer.
struct UserView {
  char id[36];
  string_view first_name, last_name, email;
  optional<string_view> title, gender, username, phone, cell, picture;
  optional<string_view> street_name, city, state, country, post_code, timezone_offset,
      nationality;
  int64_t dob_ms = 0;
  optional<int64_t> registered_ms;
  optional<int32_t> age, street_number;
  optional<double> latitude, longitude;
  char post_code_digits[32];  // post_code's bytes when the JSON held a number
};

bool read_timestamp(const Val& v, string_view pointer, optional<int64_t>& out, Problem& problem) {
  optional<string_view> text;
  out.reset();
  if (!ondemand_values::read_text(v, pointer, text, problem)) return false;
  if (!text) return true;
  out = users_scalars::timestamp_ms(*text);
  if (!out) problem.bad_text(pointer, "not an ISO-8601 timestamp:", *text);
  return out.has_value();
}

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

bool read_street(const Captured& c, UserView& user, Problem& problem) {
  const Val& street = c.street;
  if (street.is_null()) return true;
  if (street.kind == Kind::string) {
    const string_view text = street.s;
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
  bool is_object = false;
  if (!ondemand_values::read_object(street, "/location/street", is_object, problem)) return false;
  if (c.street_number.kind == Kind::string) {
    user.street_number = parse_digits_int32(c.street_number.s);
    if (!user.street_number) {
      problem.bad_text("/location/street/number", "not a street number:", c.street_number.s);
      return false;
    }
  } else if (!ondemand_values::read_int32(c.street_number, "/location/street/number",
                                          user.street_number, problem)) {
    return false;
  }
  return ondemand_values::read_text(c.street_name, "/location/street/name", user.street_name,
                                    problem);
}

bool read_post_code(const Val& v, UserView& user, Problem& problem) {
  if (v.is_null()) return true;
  char* const first = user.post_code_digits;
  char* const last = first + sizeof(user.post_code_digits);
  std::to_chars_result printed{};
  switch (v.kind) {
    case Kind::string: user.post_code = v.s; return true;
    case Kind::int64: printed = std::to_chars(first, last, v.n.i); break;
    case Kind::uint64: printed = std::to_chars(first, last, v.n.u); break;
    case Kind::real:
      if (v.n.d == std::trunc(v.n.d) && std::fabs(v.n.d) < 1e18) {
        printed = std::to_chars(first, last, static_cast<int64_t>(v.n.d));
      } else {
        printed = std::to_chars(first, last, v.n.d);
      }
      break;
    default:
      ondemand_values::wrong_type(problem, "/location/postcode", "a string or a number", v.kind);
      return false;
  }
  user.post_code = string_view(first, static_cast<size_t>(printed.ptr - first));
  return true;
}

bool read_coordinate(const Val& v, string_view pointer, double limit, optional<double>& out,
                     Problem& problem) {
  if (v.kind == Kind::string) {
    out = users_scalars::decimal(v.s);
    if (!out) {
      problem.bad_text(pointer, "not a number:", v.s);
      return false;
    }
  } else if (!ondemand_values::read_number_or_numeric_text(v, pointer, out, problem)) {
    return false;
  }
  if (out && !(*out >= -limit && *out <= limit)) {
    problem.set(pointer, "out of range");
    return false;
  }
  return true;
}

bool read_location(const Captured& c, UserView& user, Problem& problem) {
  using ondemand_values::read_object;
  using ondemand_values::read_text;
  bool is_object = false;
  if (!read_object(c.location, "/location", is_object, problem)) return false;
  if (!is_object) return true;
  if (!read_street(c, user, problem) ||
      !read_text(c.city, "/location/city", user.city, problem) ||
      !read_text(c.state, "/location/state", user.state, problem) ||
      !read_text(c.country, "/location/country", user.country, problem) ||
      !read_post_code(c.postcode, user, problem) ||
      !read_object(c.coordinates, "/location/coordinates", is_object, problem)) {
    return false;
  }
  if (is_object &&
      (!read_coordinate(c.latitude, "/location/coordinates/latitude", 90, user.latitude,
                        problem) ||
       !read_coordinate(c.longitude, "/location/coordinates/longitude", 180, user.longitude,
                        problem))) {
    return false;
  }
  if (!read_object(c.timezone, "/location/timezone", is_object, problem)) return false;
  return !is_object ||
         read_text(c.offset, "/location/timezone/offset", user.timezone_offset, problem);
}

// Members of an object that is absent or null are absent; the walk keeps none then.
bool read_user(const Captured& c, UserView& user, Problem& problem) {
  using ondemand_values::read_int32;
  using ondemand_values::read_object;
  using ondemand_values::read_text;
  using ondemand_values::require_text;
  bool is_object = false;
  if (!read_object(c.login, "/login", is_object, problem)) return false;
  string_view uuid;
  if (!require_text(c.uuid, "/login/uuid", uuid, problem)) return false;
  if (!users_scalars::canonical_uuid(uuid, user.id)) {
    problem.bad_text("/login/uuid", "not a UUID:", uuid);
    return false;
  }
  if (!read_text(c.username, "/login/username", user.username, problem) ||
      !read_object(c.name, "/name", is_object, problem) ||
      !require_text(c.first, "/name/first", user.first_name, problem) ||
      !require_text(c.last, "/name/last", user.last_name, problem) ||
      !read_text(c.title, "/name/title", user.title, problem) ||
      !require_text(c.email, "/email", user.email, problem) ||
      !read_object(c.dob, "/dob", is_object, problem)) {
    return false;
  }
  if (!c.dob_date.present()) {
    problem.missing("/dob/date");
    return false;
  }
  optional<int64_t> dob_ms;
  if (!read_timestamp(c.dob_date, "/dob/date", dob_ms, problem)) return false;
  if (!dob_ms) {
    ondemand_values::wrong_type(problem, "/dob/date", "a string", c.dob_date.kind);
    return false;
  }
  user.dob_ms = *dob_ms;
  return read_int32(c.dob_age, "/dob/age", user.age, problem) &&
         read_object(c.registered, "/registered", is_object, problem) &&
         read_timestamp(c.registered_date, "/registered/date", user.registered_ms, problem) &&
         read_object(c.picture, "/picture", is_object, problem) &&
         read_text(c.gender, "/gender", user.gender, problem) &&
         read_text(c.phone, "/phone", user.phone, problem) &&
         read_text(c.cell, "/cell", user.cell, problem) &&
         read_text(c.medium, "/picture/medium", user.picture, problem) &&
         read_text(c.nat, "/nat", user.nationality, problem) && read_location(c, user, problem);
}

void set_optional_text(RowBatch& rows, size_t row, size_t col, const optional<string_view>& v) {
  if (v) rows.set_text(row, col, *v);
}

// "<number> <street>, <city>, <state>, <country>", skipping absent parts; NULL if all are.
void set_address(RowBatch& rows, size_t row, const UserView& user) {
  std::string& arena = rows.arena();
  const size_t start = arena.size();
  if (user.street_number) {
    char digits[16];
    const auto printed = std::to_chars(digits, digits + sizeof(digits), *user.street_number);
    arena.append(digits, printed.ptr);
  }
  if (user.street_name) {
    if (arena.size() != start) arena.push_back(' ');
    arena.append(*user.street_name);
  }
  for (const optional<string_view>* part : {&user.city, &user.state, &user.country}) {
    if (!*part) continue;
    if (arena.size() != start) arena.append(", ");
    arena.append(**part);
  }
  if (arena.size() != start) rows.set_text_range(row, kAddress, start, arena.size() - start);
}

void append_row(RowBatch& rows, const UserView& user, int64_t fetched_at_ms,
                int64_t processed_at_ms) {
  const size_t row = rows.add_row();
  rows.set_text(row, kId, string_view(user.id, sizeof(user.id)));
  rows.set_text(row, kFirstName, user.first_name);
  rows.set_text(row, kLastName, user.last_name);
  set_optional_text(rows, row, kTitle, user.title);
  set_optional_text(rows, row, kGender, user.gender);
  rows.set_text(row, kEmail, user.email);
  set_optional_text(rows, row, kUsername, user.username);
  rows.set_integer(row, kDob, user.dob_ms);
  if (user.registered_ms) rows.set_integer(row, kRegisteredDate, *user.registered_ms);
  if (user.age) rows.set_integer(row, kAge, *user.age);
  set_optional_text(rows, row, kPhone, user.phone);
  set_optional_text(rows, row, kCell, user.cell);
  set_optional_text(rows, row, kPicture, user.picture);
  set_address(rows, row, user);
  if (user.street_number) rows.set_integer(row, kStreetNumber, *user.street_number);
  set_optional_text(rows, row, kStreetName, user.street_name);
  set_optional_text(rows, row, kCity, user.city);
  set_optional_text(rows, row, kState, user.state);
  set_optional_text(rows, row, kCountry, user.country);
  set_optional_text(rows, row, kPostCode, user.post_code);
  if (user.latitude) rows.set_real(row, kLatitude, *user.latitude);
  if (user.longitude) rows.set_real(row, kLongitude, *user.longitude);
  set_optional_text(rows, row, kTimezoneOffset, user.timezone_offset);
  set_optional_text(rows, row, kNationality, user.nationality);
  rows.set_integer(row, kFetchedAt, fetched_at_ms);
  rows.set_integer(row, kProcessedAt, processed_at_ms);
}

int64_t fetched_at_of(const ConsumedRecord& record) {
  if (const auto header = record.header("fetched_at")) {
    if (const auto ms = json_fields::parse_decimal_int64(*header)) return *ms;
  }
  return record.timestamp_ms;
}

}  // namespace

bool append_user(const Captured& user, const ConsumedRecord& record, int64_t processed_at_ms,
                 RowBatch& rows, Problem& problem) {
  UserView view;
  if (!read_user(user, view, problem)) return false;
  append_row(rows, view, fetched_at_of(record), processed_at_ms);
  return true;
}

}  // namespace kascade::ondemand_rules
