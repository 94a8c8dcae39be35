// process/users_mapping_ondemand_values.h: the values an On-Demand walk keeps of one user, and typed reads of them.
//
// The reads mirror json_fields.h (the DOM mapper's) rule for rule and message for
// message, so both mappers fail the same records with the same JSON pointers.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "process/json_fields.h"

namespace kascade::ondemand_values {

using json_fields::Problem;

// The JSON kind of a kept value; `absent` when its key was not in the document.
enum class Kind : uint8_t { absent, null, boolean, int64, uint64, real, string, object, array };

// "an object", "a string", ...: the same words as json_fields::kind_name.
inline const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::array: return "an array";
    case Kind::object: return "an object";
    case Kind::int64:
    case Kind::uint64: return "an integer";
    case Kind::real: return "a number with a fraction or exponent";
    case Kind::string: return "a string";
    case Kind::boolean: return "a boolean";
    case Kind::null: return "null";
    case Kind::absent: break;
  }
  return "an unknown value";
}

// One kept value: its kind, and its text or number. Strings point into the
// On-Demand parser's string buffer (valid until the next document).
struct Val {
  Kind kind = Kind::absent;
  union {
    int64_t i;
    uint64_t u;
    double d;
  } n{.i = 0};
  std::string_view s;

  bool present() const { return kind != Kind::absent; }
  bool is_null() const { return kind == Kind::absent || kind == Kind::null; }
};

// Every value of one user the users table needs, first occurrence of each key.
// A member of an object is kept only if that object's first occurrence is an object.
struct Captured {
  Val gender, name, location, email, login, dob, registered, phone, cell, picture, nat;
  Val title, first, last;                             // name.*
  Val street, city, state, country, postcode, coordinates, timezone;  // location.*
  Val street_number, street_name;                     // location.street.*
  Val latitude, longitude;                            // location.coordinates.*
  Val offset;                                         // location.timezone.offset
  Val uuid, username;                                 // login.*
  Val dob_date, dob_age, registered_date;             // dob.*, registered.date
  Val medium;                                         // picture.medium
};

inline void wrong_type(Problem& problem, std::string_view pointer, std::string_view expected,
                       Kind got) {
  if (problem.found()) return;
  std::string what = "expected ";
  what.append(expected).append(", got ").append(kind_name(got));
  problem.set(pointer, what);
}

// An object is there (true) or absent/null (false, no problem); another kind is a problem.
inline bool read_object(const Val& v, std::string_view pointer, bool& is_object,
                        Problem& problem) {
  is_object = false;
  if (v.is_null()) return true;
  if (v.kind != Kind::object) {
    wrong_type(problem, pointer, "an object", v.kind);
    return false;
  }
  is_object = true;
  return true;
}

// A string, or nullopt if absent/null.
inline bool read_text(const Val& v, std::string_view pointer, std::optional<std::string_view>& out,
                      Problem& problem) {
  out.reset();
  if (v.is_null()) return true;
  if (v.kind != Kind::string) {
    wrong_type(problem, pointer, "a string", v.kind);
    return false;
  }
  out = v.s;
  return true;
}

// A string that must be there: absent or null is a problem.
inline bool require_text(const Val& v, std::string_view pointer, std::string_view& out,
                         Problem& problem) {
  if (!v.present()) {
    problem.missing(pointer);
    return false;
  }
  if (v.kind != Kind::string) {
    wrong_type(problem, pointer, "a string", v.kind);
    return false;
  }
  out = v.s;
  return true;
}

// A JSON integer that fits an int32, or nullopt if absent/null.
inline bool read_int32(const Val& v, std::string_view pointer, std::optional<int32_t>& out,
                       Problem& problem) {
  out.reset();
  if (v.is_null()) return true;
  if (v.kind == Kind::int64) {
    if (v.n.i >= std::numeric_limits<int32_t>::min() &&
        v.n.i <= std::numeric_limits<int32_t>::max()) {
      out = static_cast<int32_t>(v.n.i);
      return true;
    }
  } else if (v.kind != Kind::uint64) {
    wrong_type(problem, pointer, "an integer", v.kind);
    return false;
  }
  problem.set(pointer, "integer out of the int32 range");
  return false;
}

// A JSON number, or a string holding one ("-36.1"), or nullopt if absent/null.
inline bool read_number_or_numeric_text(const Val& v, std::string_view pointer,
                                        std::optional<double>& out, Problem& problem) {
  out.reset();
  if (v.is_null()) return true;
  switch (v.kind) {
    case Kind::real: out = v.n.d; return true;
    case Kind::int64: out = static_cast<double>(v.n.i); return true;
    case Kind::uint64: out = static_cast<double>(v.n.u); return true;
    case Kind::string: {
      double d = 0;
      const char* end = v.s.data() + v.s.size();
      const auto [ptr, ec] = std::from_chars(v.s.data(), end, d);
      if (ec != std::errc() || ptr != end || v.s.empty()) {
        problem.bad_text(pointer, "not a number:", v.s);
        return false;
      }
      out = d;
      return true;
    }
    default: wrong_type(problem, pointer, "a number or a numeric string", v.kind); return false;
  }
}

}  // namespace kascade::ondemand_values
