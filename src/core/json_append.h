// core/json_append.h: appends JSON text (escaped strings, integers) to a string: the one JSON string escaper.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace kascade::json_append {

// True for the bytes a JSON string cannot hold as they are.
inline bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

// Appends s as a quoted JSON string. Bytes >= 0x80 pass through untouched:
// the caller guarantees UTF-8 (or, for the invalid_utf8 malformation, wants
// the bad bytes kept).
inline void append_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!needs_escape(c)) continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const auto u = static_cast<unsigned char>(c);
        const char esc[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xF]};
        out.append(esc, sizeof(esc));
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out.push_back('"');
}

// s as a quoted JSON string.
inline std::string quoted(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

inline void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

inline void append_int(std::string& out, int64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

}  // namespace kascade::json_append
