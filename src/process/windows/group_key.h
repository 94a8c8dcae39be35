// process/windows/group_key.h: the bytes that identify a group (its group-by values, typed).
//
// Per field: a tag, then the value: 'n' (null), 'i' + 8 bytes (integer),
// 'r' + 8 bytes (real), 't' + varint length + bytes (text). Self-describing,
// so a group's key alone rebuilds its result row after a restart.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/row.h"

namespace kascade::group_key {

inline void append_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads a varint at `in`, advancing it; nullopt if truncated.
inline std::optional<uint64_t> read_varint(std::string_view& in) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  return std::nullopt;
}

inline void append_null(std::string& out) { out.push_back('n'); }
inline void append_integer(std::string& out, int64_t v) {
  char bytes[9] = {'i'};
  std::memcpy(bytes + 1, &v, 8);
  out.append(bytes, 9);
}
inline void append_real(std::string& out, double v) {
  char bytes[9] = {'r'};
  std::memcpy(bytes + 1, &v, 8);
  out.append(bytes, 9);
}
inline void append_text(std::string& out, std::string_view v) {
  out.push_back('t');
  append_varint(out, v.size());
  out.append(v);
}

// One decoded field of a key; text views point into the key.
struct Field {
  Value::Kind kind = Value::Kind::null;
  int64_t integer = 0;
  double real = 0;
  std::string_view text;
};

// Reads the next field, advancing `in`; nullopt if the bytes are not a key.
inline std::optional<Field> read_field(std::string_view& in) {
  if (in.empty()) return std::nullopt;
  const char tag = in.front();
  in.remove_prefix(1);
  Field field;
  switch (tag) {
    case 'n':
      return field;
    case 'i':
    case 'r':
      if (in.size() < 8) return std::nullopt;
      field.kind = tag == 'i' ? Value::Kind::integer : Value::Kind::real;
      std::memcpy(tag == 'i' ? static_cast<void*>(&field.integer) : static_cast<void*>(&field.real), in.data(), 8);
      in.remove_prefix(8);
      return field;
    case 't': {
      const auto size = read_varint(in);
      if (!size || *size > in.size()) return std::nullopt;
      field.kind = Value::Kind::text;
      field.text = in.substr(0, *size);
      in.remove_prefix(*size);
      return field;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace kascade::group_key
