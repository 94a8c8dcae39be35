// cql/types.h: CQL data types, decoded values, and their codecs.
//
// Decoding turns a cell's [bytes] into a CqlValue tree (collections nest);
// encoding writes a CqlValue as the [bytes] of a bound value. Typed row
// cells do not go through CqlValue: cql/binding.h encodes them straight into
// the frame, so CqlValue is for results and for tools.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"
#include "cql/wire.h"

namespace kascade::cql {

// [option] ids of the protocol's types.
enum class TypeId : uint16_t {
  custom = 0x0000,
  ascii = 0x0001,
  bigint = 0x0002,
  blob = 0x0003,
  boolean = 0x0004,
  counter = 0x0005,
  decimal = 0x0006,
  double_ = 0x0007,
  float_ = 0x0008,
  int_ = 0x0009,
  timestamp = 0x000B,
  uuid = 0x000C,
  varchar = 0x000D,
  varint = 0x000E,
  timeuuid = 0x000F,
  inet = 0x0010,
  date = 0x0011,
  time = 0x0012,
  smallint = 0x0013,
  tinyint = 0x0014,
  duration = 0x0015,
  list = 0x0020,
  map = 0x0021,
  set = 0x0022,
  udt = 0x0030,
  tuple = 0x0031,
};

// A column's type; collections carry their element types in `params`.
struct TypeSpec {
  TypeId id = TypeId::blob;
  std::vector<TypeSpec> params;
  std::string custom_class;  // TypeId::custom only

  static TypeSpec of(TypeId id) { return TypeSpec{id, {}, {}}; }
  std::string name() const;  // CQL spelling: "map<text, int>"
};

// date values are unsigned days with the epoch at 2^31 (protocol spec, section 6).
inline constexpr int64_t kDateEpochOffset = int64_t{1} << 31;

// The byte width of a fixed-width integer type (tinyint 1, smallint 2, int and date 4, bigint, counter,
// timestamp and time 8); 0 for every other type.
int fixed_width(TypeId id);

// Reads an [option] (recursively for collections, UDTs and tuples).
TypeSpec read_type(BodyReader& reader);

struct Uuid {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const Uuid&) const = default;
};
// Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case).
bool parse_uuid(std::string_view text, Uuid& out);
// Writes the 16 raw bytes of a canonical uuid text into out (false if malformed).
bool uuid_text_to_bytes(std::string_view text, char* out16);
std::string format_uuid(const Uuid& uuid);

// Arbitrary precision integers, as the protocol sends them: big-endian two's complement.
struct Varint {
  std::string bytes;
  bool operator==(const Varint&) const = default;
};
struct Decimal {
  int32_t scale = 0;
  Varint unscaled;
  bool operator==(const Decimal&) const = default;
};
struct Inet {
  std::string address;  // 4 or 16 raw bytes
  bool operator==(const Inet&) const = default;
};
// float is kept apart from double so that 1.1f prints as 1.1.
struct Float32 {
  float value = 0;
  bool operator==(const Float32&) const = default;
};

struct CqlValue;
struct CqlMapEntry;
using CqlList = std::vector<CqlValue>;  // list and set
using CqlMap =
    std::vector<CqlMapEntry>;  // (a struct, not std::pair: pairs of an incomplete type do not compile everywhere)

// One decoded value. Integers of every width, timestamp (ms since epoch),
// date (days since epoch, signed) and time (ns since midnight) are int64_t;
// text, ascii, varchar and blob are std::string.
struct CqlValue {
  std::variant<std::monostate, bool, int64_t, double, Float32, std::string, Uuid, Varint, Decimal, Inet, CqlList,
               CqlMap>
      v;

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  bool operator==(const CqlValue& other) const;
};

struct CqlMapEntry {
  CqlValue first;  // the key
  CqlValue second;
  bool operator==(const CqlMapEntry&) const = default;
};

inline bool CqlValue::operator==(const CqlValue& other) const { return v == other.v; }

// Decodes one value of `type` from its bytes (not including the [bytes] length).
Result<CqlValue> decode_value(const TypeSpec& type, std::string_view bytes);

// Appends the [bytes] of `value` (length included; a null value writes -1).
Status encode_value(const TypeSpec& type, const CqlValue& value, BodyWriter& out);

// Renders for people and tools: `json` quotes text and uses JSON arrays and
// objects for collections; otherwise the cqlsh-like plain form (text unquoted).
void render_value(const TypeSpec& type, const CqlValue& value, bool json, std::string& out);

// Arbitrary precision integer <-> decimal text.
std::string varint_to_string(const Varint& v);
bool varint_from_string(std::string_view text, Varint& out);

// Calendar helpers shared with the renderer: days since 1970-01-01 <-> "YYYY-MM-DD".
std::string format_date(int64_t days_since_epoch);
std::string format_time_of_day(int64_t nanoseconds);

}  // namespace kascade::cql
