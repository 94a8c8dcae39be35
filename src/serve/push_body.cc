// serve/push_body.cc: a strict one-pass JSON checker over the push body: no DOM, no copy; an explicit
// stack bounds the nesting, and the key pointer is followed while scanning.
#include "serve/push_body.h"

#include <charconv>

#include <fmt/format.h>

namespace kascade {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 4 hex digits at text[at..]; -1 if there are not 4.
int hex4(std::string_view text, size_t at) {
  if (at + 4 > text.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const int d = hex_digit(text[i]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The text of a string already checked by Parser::string (without its quotes).
void unescape(std::string_view raw, std::string& out) {
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = static_cast<uint32_t>(hex4(raw, i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const auto low = static_cast<uint32_t>(hex4(raw, i + 3));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        append_utf8(cp, out);
        break;
      }
      default: out += e;  // " \ /
    }
  }
}

// Whether array index `index` is what a pointer token names ("0", or digits without a leading 0).
bool index_matches(std::string_view token, size_t index) {
  if (token.empty() || (token.size() > 1 && token[0] == '0')) return false;
  size_t value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  return ec == std::errc() && end == token.data() + token.size() && value == index;
}

struct KeyHit {
  bool found = false;
  size_t begin = 0, size = 0;
  bool escaped = false;   // a string with escapes: unescaped into ParsedBody::keys
  bool negative_zero = false;
};

// One container being scanned.
struct Frame {
  bool object = false;
  bool on_path = false;        // this container is where the key pointer leads so far
  bool child_on_path = false;  // ... and so is its current member or element
  bool followed = false;       // objects: a member named as the pointer says was met (only the first counts)
  size_t index = 0;            // arrays: the current element
};

class Parser {
 public:
  Parser(std::string_view body, const KeyPointer& key, const PushBodyLimits& limits)
      : body_(body), end_(body.size()), key_(key), limits_(limits) {}

  std::optional<BodyError> array(ParsedBody& out) {
    size_t pos = 0;
    skip_space(pos);
    if (pos >= end_) return error(pos, "empty body: expected a JSON array of objects");
    if (body_[pos] != '[') return error(pos, "the body is not a JSON array (expected '[')");
    ++pos;
    skip_space(pos);
    if (pos < end_ && body_[pos] == ']') {
      ++pos;
    } else {
      for (size_t index = 0;; ++index) {
        skip_space(pos);
        if (!record(pos, index, out)) return error_;
        skip_space(pos);
        if (pos < end_ && body_[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < end_ && body_[pos] == ']') {
          ++pos;
          break;
        }
        fail(pos, unexpected(pos, fmt::format("',' or ']' after record {}", index)));
        return error_;
      }
    }
    skip_space(pos);
    if (pos < end_) return error(pos, "trailing data after the array (a body is exactly one JSON array)");
    return std::nullopt;
  }

  std::optional<BodyError> ndjson(ParsedBody& out) {
    size_t pos = 0, index = 0;
    for (size_t line = 1; pos < body_.size(); ++line) {
      const size_t newline = body_.find('\n', pos);
      end_ = newline == std::string_view::npos ? body_.size() : newline;
      end_name_ = "the line";
      skip_space(pos);
      if (pos < end_) {
        if (!record(pos, index, out)) {
          error_->reason = fmt::format("line {}: {}", line, error_->reason);
          return error_;
        }
        skip_space(pos);
        if (pos < end_) {
          fail(pos, fmt::format("line {}: trailing data after the object (one object per line)", line));
          error_->index = index;
          return error_;
        }
        ++index;
      }
      pos = end_ + 1;
    }
    return std::nullopt;
  }

 private:
  std::optional<BodyError> error(size_t at, std::string reason) {
    fail(at, std::move(reason));
    return error_;
  }
  bool fail(size_t at, std::string reason) {
    error_ = BodyError{std::move(reason), at, std::nullopt};
    return false;
  }

  void skip_space(size_t& pos) const {
    while (pos < end_ && is_space(body_[pos])) ++pos;
  }

  std::string unexpected(size_t pos, std::string_view expected) const {
    if (pos >= end_) return fmt::format("unexpected end of {}, expected {}", end_name_, expected);
    const auto c = static_cast<unsigned char>(body_[pos]);
    if (c >= 0x20 && c < 0x7F) return fmt::format("unexpected '{}', expected {}", static_cast<char>(c), expected);
    return fmt::format("unexpected byte 0x{:02x}, expected {}", c, expected);
  }

  // Record `index`, an object at pos; on success pos is just after it and it is in `out`.
  bool record(size_t& pos, size_t index, ParsedBody& out) {
    const bool ok = [&] {
      if (index >= limits_.max_records) {
        return fail(pos, fmt::format("more than {} records in one request (serve.max_request_records)",
                                     limits_.max_records));
      }
      if (pos < end_ && body_[pos] != '{' && std::string_view("[\"-0123456789tfn").find(body_[pos]) != std::string_view::npos) {
        return fail(pos, fmt::format("record {} is not a JSON object", index));
      }
      if (pos >= end_ || body_[pos] != '{') return fail(pos, unexpected(pos, "a JSON object"));
      const size_t begin = pos;
      KeyHit hit;
      if (!value(pos, hit)) return false;
      PushElement element{.begin = begin, .size = pos - begin};
      if (hit.found) {
        if (hit.escaped || hit.negative_zero) {
          element.key_unescaped = true;
          element.key_begin = out.keys.size();
          if (hit.negative_zero) {
            out.keys += '0';
          } else {
            unescape(body_.substr(hit.begin, hit.size), out.keys);
          }
          element.key_size = out.keys.size() - element.key_begin;
        } else {
          element.key_begin = hit.begin;
          element.key_size = hit.size;
        }
      }
      out.elements.push_back(element);
      return true;
    }();
    if (!ok) error_->index = index;
    return ok;
  }

  // One JSON value at pos (containers with an explicit stack); on success pos is just after it.
  bool value(size_t& pos, KeyHit& hit) {
    stack_.clear();
    while (true) {
      const size_t level = stack_.size();
      const bool on_path = stack_.empty() ? key_.enabled : stack_.back().child_on_path;
      const bool target = on_path && level == key_.tokens.size() && !hit.found;
      skip_space(pos);
      if (pos >= end_) return fail(pos, unexpected(pos, "a value"));
      const char c = body_[pos];
      if (c == '{' || c == '[') {
        if (level >= limits_.max_depth) return fail(pos, fmt::format("nested deeper than {} levels", limits_.max_depth));
        const bool object = c == '{';
        stack_.push_back(Frame{object, on_path && level < key_.tokens.size(), false, false, 0});
        ++pos;
        skip_space(pos);
        if (pos < end_ && body_[pos] == (object ? '}' : ']')) {
          ++pos;
          stack_.pop_back();
        } else if (object) {
          if (!member_name(pos)) return false;
          continue;
        } else {
          stack_.back().child_on_path = stack_.back().on_path && index_matches(key_.tokens[level], 0);
          continue;
        }
      } else if (c == '"') {
        const size_t begin = pos;
        bool escaped = false;
        if (!string(pos, escaped)) return false;
        if (target) hit = KeyHit{true, begin + 1, pos - begin - 2, escaped, false};
      } else if (c == '-' || is_digit(c)) {
        const size_t begin = pos;
        bool integer = false;
        if (!number(pos, integer)) return false;
        if (target && integer) integer_key(body_.substr(begin, pos - begin), begin, hit);
      } else if (!literal(pos, "true") && !literal(pos, "false") && !literal(pos, "null")) {
        return fail(pos, unexpected(pos, "a value"));
      }
      // After a value: close what ends here, then on to the next member or element.
      while (true) {
        if (stack_.empty()) return true;
        skip_space(pos);
        Frame& top = stack_.back();
        const char close = top.object ? '}' : ']';
        if (pos < end_ && body_[pos] == ',') {
          ++pos;
          if (top.object) {
            skip_space(pos);
            if (!member_name(pos)) return false;
          } else {
            ++top.index;
            top.child_on_path = top.on_path && index_matches(key_.tokens[stack_.size() - 1], top.index);
          }
          break;
        }
        if (pos < end_ && body_[pos] == close) {
          ++pos;
          stack_.pop_back();
          continue;
        }
        return fail(pos, unexpected(pos, top.object ? "',' or '}'" : "',' or ']'"));
      }
    }
  }

  // A member's name and its ':'; marks whether the member is on the key pointer's path.
  bool member_name(size_t& pos) {
    if (pos >= end_ || body_[pos] != '"') return fail(pos, unexpected(pos, "a member name (a string)"));
    const size_t begin = pos;
    bool escaped = false;
    if (!string(pos, escaped)) return false;
    Frame& top = stack_.back();
    top.child_on_path = false;
    if (top.on_path) {
      const std::string_view raw = body_.substr(begin + 1, pos - begin - 2);
      const std::string& token = key_.tokens[stack_.size() - 1];
      bool match;
      if (!escaped) {
        match = raw == token;
      } else {
        std::string name;
        unescape(raw, name);
        match = name == token;
      }
      top.child_on_path = match && !top.followed;
      top.followed |= match;
    }
    skip_space(pos);
    if (pos >= end_ || body_[pos] != ':') return fail(pos, unexpected(pos, "':'"));
    ++pos;
    return true;
  }

  // An integer key as the DOM would read it: within int64 or uint64, otherwise no key.
  static void integer_key(std::string_view text, size_t begin, KeyHit& hit) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    bool fits = false;
    if (text[0] == '-') {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(first, last, v);
      fits = ec == std::errc() && end == last;
      if (fits && v == 0) {
        hit = KeyHit{true, 0, 0, false, true};
        return;
      }
    } else {
      uint64_t v = 0;
      const auto [end, ec] = std::from_chars(first, last, v);
      fits = ec == std::errc() && end == last;
    }
    if (fits) hit = KeyHit{true, begin, text.size(), false, false};
  }

  bool literal(size_t& pos, std::string_view word) {
    if (body_.substr(pos, std::min(word.size(), end_ - pos)) != word) return false;
    pos += word.size();
    return true;
  }

  bool number(size_t& pos, bool& integer) {
    if (body_[pos] == '-') ++pos;
    if (pos >= end_ || !is_digit(body_[pos])) return fail(pos, unexpected(pos, "a digit"));
    if (body_[pos] == '0') {
      ++pos;
    } else {
      while (pos < end_ && is_digit(body_[pos])) ++pos;
    }
    integer = true;
    if (pos < end_ && body_[pos] == '.') {
      integer = false;
      ++pos;
      if (pos >= end_ || !is_digit(body_[pos])) return fail(pos, unexpected(pos, "a digit after '.'"));
      while (pos < end_ && is_digit(body_[pos])) ++pos;
    }
    if (pos < end_ && (body_[pos] == 'e' || body_[pos] == 'E')) {
      integer = false;
      ++pos;
      if (pos < end_ && (body_[pos] == '+' || body_[pos] == '-')) ++pos;
      if (pos >= end_ || !is_digit(body_[pos])) return fail(pos, unexpected(pos, "a digit in the exponent"));
      while (pos < end_ && is_digit(body_[pos])) ++pos;
    }
    return true;
  }

  // A string at pos (its opening quote): escapes, control characters, UTF-8 all checked.
  bool string(size_t& pos, bool& escaped) {
    ++pos;
    while (true) {
      if (pos >= end_) return fail(pos, fmt::format("unterminated string at the end of {}", end_name_));
      const auto c = static_cast<unsigned char>(body_[pos]);
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        if (pos + 1 >= end_) return fail(pos, fmt::format("unterminated string at the end of {}", end_name_));
        const char e = body_[pos + 1];
        if (e == 'u') {
          const std::string_view region = body_.substr(0, end_);
          const int cp = hex4(region, pos + 2);
          if (cp < 0) return fail(pos, "bad \\u escape (4 hex digits expected)");
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(pos, "unpaired UTF-16 surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            const size_t next = pos + 6;
            const int low = next + 1 < end_ && body_[next] == '\\' && body_[next + 1] == 'u' ? hex4(region, next + 2) : -1;
            if (low < 0xDC00 || low > 0xDFFF) return fail(pos, "unpaired UTF-16 surrogate in a \\u escape");
            pos += 6;
          }
          pos += 6;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return fail(pos, "bad escape in a string");
        }
        pos += 2;
        continue;
      }
      if (c < 0x20) return fail(pos, "control character in a string (it must be escaped)");
      if (c < 0x80) {
        ++pos;
        continue;
      }
      const size_t n = utf8_length(pos);
      if (n == 0) return fail(pos, "invalid UTF-8 in a string");
      pos += n;
    }
  }

  // Length of the well-formed UTF-8 sequence at pos (RFC 3629: no overlongs, no surrogates), or 0.
  size_t utf8_length(size_t pos) const {
    auto byte = [&](size_t i) { return pos + i < end_ ? static_cast<unsigned char>(body_[pos + i]) : 0u; };
    auto in = [&](size_t i, unsigned lo, unsigned hi) { return byte(i) >= lo && byte(i) <= hi; };
    const unsigned c = byte(0);
    if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  std::string_view body_;
  size_t end_;                           // end of the region scanned: the body, or the current line
  std::string_view end_name_ = "the body";
  const KeyPointer& key_;
  const PushBodyLimits& limits_;
  std::vector<Frame> stack_;
  std::optional<BodyError> error_;
};

}  // namespace

Result<BodyFormat> body_format(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  const std::string_view type = trim_ows(content_type.substr(0, semicolon));
  BodyFormat format;
  if (iequals(type, "application/json")) {
    format = BodyFormat::json_array;
  } else if (iequals(type, "application/x-ndjson")) {
    format = BodyFormat::ndjson;
  } else {
    return Error::make(Errc::invalid_argument,
                       type.empty() ? std::string("Content-Type must be application/json or application/x-ndjson")
                                    : fmt::format("Content-Type must be application/json or application/x-ndjson, "
                                                  "not '{}'", type));
  }
  std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : content_type.substr(semicolon + 1);
  while (!rest.empty()) {
    const size_t next = rest.find(';');
    const std::string_view parameter = trim_ows(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    const size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return Error::make(Errc::invalid_argument, fmt::format("malformed Content-Type parameter '{}'", parameter));
    }
    const std::string_view name = trim_ows(parameter.substr(0, equals));
    std::string_view value = trim_ows(parameter.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    if (iequals(name, "charset") && !iequals(value, "utf-8")) {
      return Error::make(Errc::invalid_argument, fmt::format("charset must be utf-8, not '{}'", value));
    }
  }
  return format;
}

Result<KeyPointer> parse_key_pointer(std::string_view pointer) {
  KeyPointer key;
  if (pointer.empty()) return key;
  if (pointer.front() != '/') {
    return Error::make(Errc::invalid_argument, fmt::format("JSON pointer '{}' must start with '/'", pointer));
  }
  key.enabled = true;
  while (!pointer.empty()) {
    pointer.remove_prefix(1);
    const size_t slash = pointer.find('/');
    const std::string_view raw = pointer.substr(0, slash);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else if (raw[i] == '~') {
        return Error::make(Errc::invalid_argument, "a '~' in a JSON pointer must be followed by 0 or 1");
      } else {
        token += raw[i];
      }
    }
    key.tokens.push_back(std::move(token));
    pointer = slash == std::string_view::npos ? std::string_view() : pointer.substr(slash);
  }
  return key;
}

std::optional<BodyError> parse_push_body(std::string_view body, BodyFormat format, const KeyPointer& key,
                                         const PushBodyLimits& limits, ParsedBody& out) {
  out.elements.clear();
  out.keys.clear();
  Parser parser(body, key, limits);
  return format == BodyFormat::json_array ? parser.array(out) : parser.ndjson(out);
}

}  // namespace kascade
