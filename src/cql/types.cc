// cql/types.cc: codecs of every CQL type kascade reads or writes.
#include "cql/types.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>

#include "core/hex.h"
#include "core/timestamp.h"
#include "cql/binding.h"

namespace kascade::cql {
namespace {

Error malformed(const TypeSpec& type, std::string_view why) {
  return Error::make(Errc::corrupt, fmt::format("malformed {} value: {}", type.name(), why));
}

uint64_t read_be(std::string_view b) {
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// Sign-extends a big-endian integer of 1..8 bytes.
int64_t read_signed(std::string_view b) {
  const uint64_t v = read_be(b);
  const int shift = 64 - 8 * static_cast<int>(b.size());
  return static_cast<int64_t>(v << shift) >> shift;
}

bool is_text(TypeId id) { return id == TypeId::varchar || id == TypeId::ascii || id == TypeId::blob; }

// Twos-complement negation of a big-endian byte string, in place.
void negate(std::string& bytes) {
  bool carry = true;
  for (size_t i = bytes.size(); i-- > 0;) {
    const unsigned v = static_cast<uint8_t>(~static_cast<uint8_t>(bytes[i])) + (carry ? 1u : 0u);
    bytes[i] = static_cast<char>(v & 0xFF);
    carry = v > 0xFF;
  }
}

}  // namespace

int fixed_width(TypeId id) {
  switch (id) {
    case TypeId::tinyint:
      return 1;
    case TypeId::smallint:
      return 2;
    case TypeId::int_:
      return 4;
    case TypeId::date:
      return 4;
    case TypeId::bigint:
    case TypeId::counter:
    case TypeId::timestamp:
    case TypeId::time:
      return 8;
    default:
      return 0;
  }
}

std::string TypeSpec::name() const {
  switch (id) {
    case TypeId::custom:
      return fmt::format("'{}'", custom_class);
    case TypeId::ascii:
      return "ascii";
    case TypeId::bigint:
      return "bigint";
    case TypeId::blob:
      return "blob";
    case TypeId::boolean:
      return "boolean";
    case TypeId::counter:
      return "counter";
    case TypeId::decimal:
      return "decimal";
    case TypeId::double_:
      return "double";
    case TypeId::float_:
      return "float";
    case TypeId::int_:
      return "int";
    case TypeId::timestamp:
      return "timestamp";
    case TypeId::uuid:
      return "uuid";
    case TypeId::varchar:
      return "text";
    case TypeId::varint:
      return "varint";
    case TypeId::timeuuid:
      return "timeuuid";
    case TypeId::inet:
      return "inet";
    case TypeId::date:
      return "date";
    case TypeId::time:
      return "time";
    case TypeId::smallint:
      return "smallint";
    case TypeId::tinyint:
      return "tinyint";
    case TypeId::duration:
      return "duration";
    case TypeId::list:
      return fmt::format("list<{}>", params.empty() ? "?" : params[0].name());
    case TypeId::set:
      return fmt::format("set<{}>", params.empty() ? "?" : params[0].name());
    case TypeId::map:
      return params.size() < 2 ? "map<?>" : fmt::format("map<{}, {}>", params[0].name(), params[1].name());
    case TypeId::udt:
      return "udt";
    case TypeId::tuple:
      return "tuple";
  }
  return fmt::format("type 0x{:04x}", static_cast<unsigned>(id));
}

TypeSpec read_type(BodyReader& r) {
  TypeSpec t;
  t.id = static_cast<TypeId>(r.u16());
  // Nesting is bounded by the body size: each level consumes at least 2 bytes.
  switch (t.id) {
    case TypeId::custom:
      t.custom_class = std::string(r.string());
      break;
    case TypeId::list:
    case TypeId::set:
      t.params.push_back(read_type(r));
      break;
    case TypeId::map:
      t.params.push_back(read_type(r));
      t.params.push_back(read_type(r));
      break;
    case TypeId::udt: {
      r.string();  // keyspace
      r.string();  // type name
      const uint16_t n = r.u16();
      for (uint16_t i = 0; i < n && !r.failed(); ++i) {
        r.string();  // field name
        t.params.push_back(read_type(r));
      }
      break;
    }
    case TypeId::tuple: {
      const uint16_t n = r.u16();
      for (uint16_t i = 0; i < n && !r.failed(); ++i) t.params.push_back(read_type(r));
      break;
    }
    default:
      break;
  }
  return t;
}

bool uuid_text_to_bytes(std::string_view text, char* out) {
  if (text.size() != 36) return false;
  int n = 0;
  for (size_t i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      continue;
    }
    const int v = hex_digit_value(text[i]);
    if (v < 0) return false;
    if (n % 2 == 0) {
      out[n / 2] = static_cast<char>(v << 4);
    } else {
      out[n / 2] = static_cast<char>(out[n / 2] | v);
    }
    ++n;
  }
  return true;
}

bool parse_uuid(std::string_view text, Uuid& out) {
  return uuid_text_to_bytes(text, reinterpret_cast<char*>(out.bytes.data()));
}

std::string format_uuid(const Uuid& u) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[u.bytes[i] >> 4]);
    s.push_back(kHex[u.bytes[i] & 0xF]);
  }
  return s;
}

std::string varint_to_string(const Varint& v) {
  if (v.bytes.empty()) return "0";
  std::string magnitude = v.bytes;
  const bool negative = (static_cast<uint8_t>(magnitude[0]) & 0x80) != 0;
  if (negative) negate(magnitude);
  std::string digits;
  // Long division by 10 of the big-endian magnitude until it is zero.
  while (std::any_of(magnitude.begin(), magnitude.end(), [](char c) { return c != 0; })) {
    unsigned remainder = 0;
    for (char& c : magnitude) {
      const unsigned cur = (remainder << 8) | static_cast<uint8_t>(c);
      c = static_cast<char>(cur / 10);
      remainder = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + remainder));
  }
  if (digits.empty()) digits.push_back('0');
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

bool varint_from_string(std::string_view text, Varint& out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  std::string magnitude(1, '\0');  // big-endian, leading zero byte keeps it positive
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (size_t i = magnitude.size(); i-- > 0;) {
      const unsigned cur = static_cast<uint8_t>(magnitude[i]) * 10u + carry;
      magnitude[i] = static_cast<char>(cur & 0xFF);
      carry = cur >> 8;
    }
    if (carry != 0) magnitude.insert(magnitude.begin(), static_cast<char>(carry));
    if (static_cast<uint8_t>(magnitude[0]) & 0x80) magnitude.insert(magnitude.begin(), '\0');
  }
  if (negative) negate(magnitude);
  // Minimal two's complement form: drop redundant sign bytes.
  size_t skip = 0;
  while (skip + 1 < magnitude.size()) {
    const uint8_t b0 = static_cast<uint8_t>(magnitude[skip]);
    const uint8_t b1 = static_cast<uint8_t>(magnitude[skip + 1]);
    if ((b0 == 0x00 && !(b1 & 0x80)) || (b0 == 0xFF && (b1 & 0x80))) {
      ++skip;
    } else {
      break;
    }
  }
  out.bytes = magnitude.substr(skip);
  return true;
}

Result<CqlValue> decode_value(const TypeSpec& type, std::string_view b) {
  CqlValue out;
  if (const int width = fixed_width(type.id)) {
    if (static_cast<int>(b.size()) != width) return malformed(type, fmt::format("{} bytes", b.size()));
    if (type.id == TypeId::date) {
      out.v = static_cast<int64_t>(read_be(b)) - kDateEpochOffset;
    } else {
      out.v = read_signed(b);
    }
    return out;
  }
  switch (type.id) {
    case TypeId::ascii:
    case TypeId::varchar:
    case TypeId::blob:
    case TypeId::custom:
    case TypeId::duration:
      out.v = std::string(b);
      return out;
    case TypeId::boolean:
      if (b.size() != 1) return malformed(type, "not 1 byte");
      out.v = b[0] != 0;
      return out;
    case TypeId::double_:
      if (b.size() != 8) return malformed(type, "not 8 bytes");
      out.v = std::bit_cast<double>(read_be(b));
      return out;
    case TypeId::float_:
      if (b.size() != 4) return malformed(type, "not 4 bytes");
      out.v = Float32{std::bit_cast<float>(static_cast<uint32_t>(read_be(b)))};
      return out;
    case TypeId::uuid:
    case TypeId::timeuuid: {
      if (b.size() != 16) return malformed(type, "not 16 bytes");
      Uuid u;
      std::memcpy(u.bytes.data(), b.data(), 16);
      out.v = u;
      return out;
    }
    case TypeId::varint:
      out.v = Varint{std::string(b)};
      return out;
    case TypeId::decimal: {
      if (b.size() < 4) return malformed(type, "shorter than its scale");
      out.v = Decimal{static_cast<int32_t>(read_be(b.substr(0, 4))), Varint{std::string(b.substr(4))}};
      return out;
    }
    case TypeId::inet:
      if (b.size() != 4 && b.size() != 16) return malformed(type, "not 4 or 16 bytes");
      out.v = Inet{std::string(b)};
      return out;
    case TypeId::list:
    case TypeId::set:
    case TypeId::map: {
      const bool is_map = type.id == TypeId::map;
      if (type.params.size() != (is_map ? 2u : 1u)) return malformed(type, "element types missing");
      BodyReader r(b);
      const int32_t n = r.i32();
      // Each element takes at least its 4-byte length: bounds n before reserving.
      if (n < 0 || static_cast<size_t>(n) > r.remaining() / 4) return malformed(type, "bad element count");
      CqlList items;
      CqlMap entries;
      for (int32_t i = 0; i < n; ++i) {
        bool null = false;
        auto first = r.bytes(null);
        if (r.failed()) return malformed(type, "truncated");
        CqlValue key;
        if (!null) {
          auto decoded = decode_value(type.params[0], first);
          if (!decoded) return decoded.error();
          key = std::move(*decoded);
        }
        if (!is_map) {
          items.push_back(std::move(key));
          continue;
        }
        auto second = r.bytes(null);
        if (r.failed()) return malformed(type, "truncated");
        CqlValue value;
        if (!null) {
          auto decoded = decode_value(type.params[1], second);
          if (!decoded) return decoded.error();
          value = std::move(*decoded);
        }
        entries.push_back(CqlMapEntry{std::move(key), std::move(value)});
      }
      if (r.remaining() != 0) return malformed(type, "trailing bytes");
      if (is_map) {
        out.v = std::move(entries);
      } else {
        out.v = std::move(items);
      }
      return out;
    }
    default:
      out.v = std::string(b);  // UDTs and tuples: raw bytes
      return out;
  }
}

Status encode_value(const TypeSpec& type, const CqlValue& value, BodyWriter& out) {
  if (value.is_null()) {
    out.null_value();
    return ok_status();
  }
  auto mismatch = [&] {
    return Error::make(Errc::invalid_argument, fmt::format("value does not fit column type {}", type.name()));
  };
  // Scalars go through the encoder of typed cells (cql/binding.h), the one place their bytes are written.
  const auto as_cell = [&](const Cell& cell) { return encode_cell(type, cell, {}, out) ? ok_status() : mismatch(); };
  if (fixed_width(type.id)) {
    const auto* v = std::get_if<int64_t>(&value.v);
    return v ? as_cell(Cell::of_integer(*v)) : mismatch();
  }
  switch (type.id) {
    case TypeId::boolean:
      if (const auto* v = std::get_if<bool>(&value.v)) return as_cell(Cell::of_integer(*v ? 1 : 0));
      return mismatch();
    case TypeId::double_:
      if (const auto* v = std::get_if<double>(&value.v)) return as_cell(Cell::of_real(*v));
      return mismatch();
    case TypeId::float_:
      if (const auto* v = std::get_if<Float32>(&value.v)) return as_cell(Cell::of_real(v->value));
      return mismatch();
    case TypeId::uuid:
    case TypeId::timeuuid:
      if (const auto* v = std::get_if<Uuid>(&value.v)) {
        out.bytes(std::string_view(reinterpret_cast<const char*>(v->bytes.data()), 16));
        return ok_status();
      }
      return mismatch();
    case TypeId::varint:
      if (const auto* v = std::get_if<Varint>(&value.v)) {
        out.bytes(v->bytes);
        return ok_status();
      }
      return mismatch();
    case TypeId::decimal:
      if (const auto* v = std::get_if<Decimal>(&value.v)) {
        out.i32(static_cast<int32_t>(4 + v->unscaled.bytes.size()));
        out.i32(v->scale);
        out.raw(v->unscaled.bytes);
        return ok_status();
      }
      return mismatch();
    case TypeId::inet:
      if (const auto* v = std::get_if<Inet>(&value.v); v && (v->address.size() == 4 || v->address.size() == 16)) {
        out.bytes(v->address);
        return ok_status();
      }
      return mismatch();
    case TypeId::list:
    case TypeId::set:
    case TypeId::map: {
      const bool is_map = type.id == TypeId::map;
      if (type.params.size() != (is_map ? 2u : 1u)) return mismatch();
      const size_t at = out.begin_length();
      if (is_map) {
        const auto* entries = std::get_if<CqlMap>(&value.v);
        if (!entries) return mismatch();
        out.i32(static_cast<int32_t>(entries->size()));
        for (const auto& [k, v] : *entries) {
          if (auto s = encode_value(type.params[0], k, out); !s) return s;
          if (auto s = encode_value(type.params[1], v, out); !s) return s;
        }
      } else {
        const auto* items = std::get_if<CqlList>(&value.v);
        if (!items) return mismatch();
        out.i32(static_cast<int32_t>(items->size()));
        for (const auto& item : *items) {
          if (auto s = encode_value(type.params[0], item, out); !s) return s;
        }
      }
      out.end_length(at);
      return ok_status();
    }
    default:
      if (const auto* v = std::get_if<std::string>(&value.v); v && is_text(type.id)) {
        return as_cell(Cell::of_text(*v));
      }
      if (const auto* v = std::get_if<std::string>(&value.v); v && type.id == TypeId::custom) {
        out.bytes(*v);
        return ok_status();
      }
      return mismatch();
  }
}

}  // namespace kascade::cql
