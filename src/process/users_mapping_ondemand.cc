// process/users_mapping_ondemand.cc: one On-Demand pass that checks a whole user document and keeps the mapped fields.
//
// simdjson's On-Demand API checks only what it is asked for: a value that is
// skipped is not parsed. So every value is visited here, in document order:
// the mapped ones are kept (users_mapping_ondemand_values.h), all others go
// through check_all, which asks for every key, string, number and literal and
// so gets the same verdict the DOM parser gives. Only once the whole document
// is known to be valid are the mapping rules applied (users_mapping_ondemand_rules.cc),
// in the DOM mapper's order, so the first problem reported is the same one.
#include "process/users_mapping_ondemand.h"

#include <simdjson.h>

#include <array>
#include <cassert>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "core/dead_letter.h"
#include "process/json_fields.h"
#include "process/users_columns.h"
#include "process/users_mapping_ondemand_rules.h"
#include "process/users_mapping_ondemand_values.h"

namespace kascade {
namespace {

namespace od = simdjson::ondemand;
using ondemand_values::Captured;
using ondemand_values::Kind;
using ondemand_values::Val;
using simdjson::error_code;
using simdjson::SUCCESS;
using std::string_view;

// The DOM parser's default nesting limit: a container at depth >= this fails.
constexpr size_t kMaxDepth = simdjson::DEFAULT_MAX_DEPTH;

constexpr std::array<string_view, 11> kTopKeys = {
    "gender", "name", "location", "email", "login", "dob", "registered",
    "phone", "cell", "picture", "nat"};
constexpr std::array<string_view, 3> kNameKeys = {"title", "first", "last"};
constexpr std::array<string_view, 7> kLocationKeys = {
    "street", "city", "state", "country", "postcode", "coordinates", "timezone"};
constexpr std::array<string_view, 2> kStreetKeys = {"number", "name"};
constexpr std::array<string_view, 2> kCoordinatesKeys = {"latitude", "longitude"};
constexpr std::array<string_view, 2> kLoginKeys = {"uuid", "username"};
constexpr std::array<string_view, 2> kDatedKeys = {"date", "age"};
constexpr std::array<string_view, 1> kTimezoneKeys = {"offset"};
constexpr std::array<string_view, 1> kPictureKeys = {"medium"};

// The position of `key` in Keys, or Keys.size(): compared against constants, unrolled.
template <const auto& Keys>
size_t index_of(string_view key) {
  constexpr size_t N = Keys.size();
  return [key]<size_t... I>(std::index_sequence<I...>) {
    size_t found = N;
    (void)((json_fields::same_key(key, Keys[I]) ? (found = I, true) : false) || ...);
    return found;
  }(std::make_index_sequence<N>{});
}

error_code check_all(od::value v, size_t depth);

// Checks a value of a known kind and everything inside it; keeps nothing.
// `depth` is the depth the DOM parser gives a container at this place (root = 1).
error_code check_typed(od::value v, od::json_type type, size_t depth) {
  switch (type) {
    case od::json_type::object: {
      if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
      od::object object;
      SIMDJSON_TRY(v.get_object().get(object));
      for (auto field : object) {
        string_view key;  // keys are unescaped so that their escapes are checked
        SIMDJSON_TRY(field.unescaped_key().get(key));
        od::value member;
        SIMDJSON_TRY(field.value().get(member));
        SIMDJSON_TRY(check_all(member, depth + 1));
      }
      return SUCCESS;
    }
    case od::json_type::array: {
      if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
      od::array array;
      SIMDJSON_TRY(v.get_array().get(array));
      for (auto element : array) {
        od::value item;
        SIMDJSON_TRY(element.get(item));
        SIMDJSON_TRY(check_all(item, depth + 1));
      }
      return SUCCESS;
    }
    case od::json_type::string: {
      string_view text;
      return v.get_string().get(text);
    }
    case od::json_type::number: {
      od::number number;
      return v.get_number().get(number);
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      SIMDJSON_TRY(v.is_null().get(is_null));
      return is_null ? SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

error_code check_all(od::value v, size_t depth) {
  od::json_type type;
  SIMDJSON_TRY(v.type().get(type));
  return check_typed(v, type, depth);
}

void keep_number(const od::number& number, Val& out) {
  switch (number.get_number_type()) {
    case od::number_type::signed_integer:
      out.kind = Kind::int64;
      out.n.i = number.get_int64();
      break;
    case od::number_type::unsigned_integer:
      out.kind = Kind::uint64;
      out.n.u = number.get_uint64();
      break;
    case od::number_type::floating_point_number:
      out.kind = Kind::real;
      out.n.d = number.get_double();
      break;
  }
}

// Checks a value of a known kind and keeps it in `out`: scalars with their
// value, containers by kind only.
error_code keep_typed(od::value v, od::json_type type, Val& out, size_t depth) {
  switch (type) {
    case od::json_type::object: out.kind = Kind::object; break;
    case od::json_type::array: out.kind = Kind::array; break;
    case od::json_type::string: out.kind = Kind::string; return v.get_string().get(out.s);
    case od::json_type::number: {
      od::number number;
      SIMDJSON_TRY(v.get_number().get(number));
      keep_number(number, out);
      return SUCCESS;
    }
    case od::json_type::boolean: out.kind = Kind::boolean; break;
    case od::json_type::null: out.kind = Kind::null; break;
  }
  return check_typed(v, type, depth);
}

// The first occurrence of a key is kept; a repeated one is only checked (first one wins).
error_code keep_first(od::value v, Val& out, size_t depth) {
  if (out.present()) return check_all(v, depth);
  od::json_type type;
  SIMDJSON_TRY(v.type().get(type));
  return keep_typed(v, type, out, depth);
}

// Like keep_first, but an object's members go, in order, to `member(key, value, depth)`.
template <typename Member>
error_code keep_first_object(od::value v, Val& out, size_t depth, Member&& member) {
  if (out.present()) return check_all(v, depth);
  od::json_type type;
  SIMDJSON_TRY(v.type().get(type));
  if (type != od::json_type::object) return keep_typed(v, type, out, depth);
  if (depth >= kMaxDepth) return simdjson::DEPTH_ERROR;
  out.kind = Kind::object;
  od::object object;
  SIMDJSON_TRY(v.get_object().get(object));
  for (auto field : object) {
    string_view key;
    SIMDJSON_TRY(field.unescaped_key().get(key));
    od::value value;
    SIMDJSON_TRY(field.value().get(value));
    SIMDJSON_TRY(member(key, value, depth + 1));
  }
  return SUCCESS;
}

error_code keep_location(od::value v, Captured& c, size_t depth) {
  return keep_first_object(v, c.location, depth, [&c](string_view key, od::value m, size_t d) {
    switch (index_of<kLocationKeys>(key)) {
      case 0:
        return keep_first_object(m, c.street, d, [&c](string_view k, od::value s, size_t sd) {
          switch (index_of<kStreetKeys>(k)) {
            case 0: return keep_first(s, c.street_number, sd);
            case 1: return keep_first(s, c.street_name, sd);
            default: return check_all(s, sd);
          }
        });
      case 1: return keep_first(m, c.city, d);
      case 2: return keep_first(m, c.state, d);
      case 3: return keep_first(m, c.country, d);
      case 4: return keep_first(m, c.postcode, d);
      case 5:
        return keep_first_object(m, c.coordinates, d, [&c](string_view k, od::value s, size_t sd) {
          switch (index_of<kCoordinatesKeys>(k)) {
            case 0: return keep_first(s, c.latitude, sd);
            case 1: return keep_first(s, c.longitude, sd);
            default: return check_all(s, sd);
          }
        });
      case 6:
        return keep_first_object(m, c.timezone, d, [&c](string_view k, od::value s, size_t sd) {
          return index_of<kTimezoneKeys>(k) == 0 ? keep_first(s, c.offset, sd) : check_all(s, sd);
        });
      default: return check_all(m, d);
    }
  });
}

// One member of the root object.
error_code keep_top(string_view key, od::value v, Captured& c) {
  constexpr size_t d = 2;  // members of the root object
  switch (index_of<kTopKeys>(key)) {
    case 0: return keep_first(v, c.gender, d);
    case 1:
      return keep_first_object(v, c.name, d, [&c](string_view k, od::value m, size_t md) {
        switch (index_of<kNameKeys>(k)) {
          case 0: return keep_first(m, c.title, md);
          case 1: return keep_first(m, c.first, md);
          case 2: return keep_first(m, c.last, md);
          default: return check_all(m, md);
        }
      });
    case 2: return keep_location(v, c, d);
    case 3: return keep_first(v, c.email, d);
    case 4:  // login.password, salt, md5, sha1, sha256: checked, never kept
      return keep_first_object(v, c.login, d, [&c](string_view k, od::value m, size_t md) {
        switch (index_of<kLoginKeys>(k)) {
          case 0: return keep_first(m, c.uuid, md);
          case 1: return keep_first(m, c.username, md);
          default: return check_all(m, md);
        }
      });
    case 5:
      return keep_first_object(v, c.dob, d, [&c](string_view k, od::value m, size_t md) {
        switch (index_of<kDatedKeys>(k)) {
          case 0: return keep_first(m, c.dob_date, md);
          case 1: return keep_first(m, c.dob_age, md);
          default: return check_all(m, md);
        }
      });
    case 6:
      return keep_first_object(v, c.registered, d, [&c](string_view k, od::value m, size_t md) {
        return index_of<kDatedKeys>(k) == 0 ? keep_first(m, c.registered_date, md)
                                            : check_all(m, md);
      });
    case 7: return keep_first(v, c.phone, d);
    case 8: return keep_first(v, c.cell, d);
    case 9:
      return keep_first_object(v, c.picture, d, [&c](string_view k, od::value m, size_t md) {
        return index_of<kPictureKeys>(k) == 0 ? keep_first(m, c.medium, md) : check_all(m, md);
      });
    case 10: return keep_first(v, c.nat, d);
    default: return check_all(v, d);
  }
}

// Walks the whole document: SUCCESS when it is valid JSON with nothing after the
// root value. `root` gets the root's kind; `c` the mapped fields when it is an object.
error_code walk_document(od::document& doc, Val& root, Captured& c) {
  od::json_type type;
  SIMDJSON_TRY(doc.type().get(type));
  switch (type) {
    case od::json_type::object: {
      root.kind = Kind::object;
      od::object object;
      SIMDJSON_TRY(doc.get_object().get(object));
      for (auto field : object) {
        string_view key;
        SIMDJSON_TRY(field.unescaped_key().get(key));
        od::value value;
        SIMDJSON_TRY(field.value().get(value));
        SIMDJSON_TRY(keep_top(key, value, c));
      }
      break;
    }
    case od::json_type::array: {
      root.kind = Kind::array;
      od::array array;
      SIMDJSON_TRY(doc.get_array().get(array));
      for (auto element : array) {
        od::value item;
        SIMDJSON_TRY(element.get(item));
        SIMDJSON_TRY(check_all(item, 2));
      }
      break;
    }
    case od::json_type::string: root.kind = Kind::string; SIMDJSON_TRY(doc.get_string().get(root.s)); break;
    case od::json_type::number: {
      od::number number;
      SIMDJSON_TRY(doc.get_number().get(number));
      keep_number(number, root);
      break;
    }
    case od::json_type::boolean: {
      bool b;
      root.kind = Kind::boolean;
      SIMDJSON_TRY(doc.get_bool().get(b));
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      root.kind = Kind::null;
      SIMDJSON_TRY(doc.is_null().get(is_null));
      if (!is_null) return simdjson::N_ATOM_ERROR;
      break;
    }
  }
  // At the end exactly when the document is still alive and no token is left (an
  // iterator abandoned after an error is not at the end, so such an error cannot hide).
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS ? SUCCESS
                                                                   : simdjson::TRAILING_CONTENT;
}

// After a record this large, the parser's and the copy's buffers are released.
constexpr size_t kShrinkAboveBytes = 256 * 1024;

}  // namespace

// The On-Demand parser (structural index and string buffer), the padded copy of
// the current record and the reusable problem message. Used by the one
// processor thread owning the mapper.
struct OnDemandUsersMapper::Impl {
  UsersMapperOptions options;
  od::parser parser;
  std::unique_ptr<char[]> input;  // the record's bytes, then SIMDJSON_PADDING zero bytes
  size_t input_capacity = 0;      // bytes allocated in `input`
  json_fields::Problem problem;

  // A padded copy of `value`: grown to the largest record seen, never per record.
  const char* padded(string_view value) {
    const size_t needed = value.size() + simdjson::SIMDJSON_PADDING;
    if (needed > input_capacity) {
      input_capacity = needed + needed / 4;
      input = std::make_unique_for_overwrite<char[]>(input_capacity);
    }
    if (!value.empty()) std::memcpy(input.get(), value.data(), value.size());
    std::memset(input.get() + value.size(), 0, simdjson::SIMDJSON_PADDING);
    return input.get();
  }
  void release() {
    parser = od::parser{};
    input.reset();
    input_capacity = 0;
  }
};

OnDemandUsersMapper::OnDemandUsersMapper(UsersMapperOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
}

OnDemandUsersMapper::~OnDemandUsersMapper() = default;

std::optional<MappingFailure> OnDemandUsersMapper::map(const ConsumedRecord& record,
                                                       int64_t processed_at_ms, RowBatch& rows) {
  assert(rows.columns() == users_columns::kColumnCount);
  const string_view value = record.value;
  if (value.size() > impl_->options.max_record_bytes) {
    return MappingFailure{dead_letter_class::too_large,
                          "record is " + std::to_string(value.size()) +
                              " bytes, over the limit of " +
                              std::to_string(impl_->options.max_record_bytes)};
  }
  const char* bytes = impl_->padded(value);
  Captured captured;
  Val root;
  od::document doc;
  error_code error = impl_->parser.iterate(bytes, value.size(), impl_->input_capacity).get(doc);
  if (error == SUCCESS) error = walk_document(doc, root, captured);
  std::optional<MappingFailure> failure;
  if (error != SUCCESS) {
    failure = MappingFailure{dead_letter_class::parse,
                             std::string("invalid JSON: ") + simdjson::error_message(error)};
  } else if (root.kind != Kind::object) {
    failure = MappingFailure{dead_letter_class::validation,
                             std::string("(root): expected an object, got ") +
                                 ondemand_values::kind_name(root.kind)};
  } else {
    impl_->problem.clear();
    if (!ondemand_rules::append_user(captured, record, processed_at_ms, rows, impl_->problem)) {
      failure = MappingFailure{dead_letter_class::validation, impl_->problem.message()};
    }
  }
  if (value.size() > kShrinkAboveBytes) impl_->release();
  return failure;
}

}  // namespace kascade
