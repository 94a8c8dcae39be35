// serve/push_body.cc: a strict one-pass JSON checker over the push body: no DOM, no copy; an explicit
// stack bounds the nesting, and the key pointer is followed while scanning.
#include "serve/push_body.h"

#include <fmt/format.h>

#include <charconv>

#include "serve/json_text.h"

namespace kascade {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

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
  bool escaped = false;  // a string with escapes: unescaped into ParsedBody::keys
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
        return fail(
            pos, fmt::format("more than {} records in one request (serve.max_request_records)", limits_.max_records));
      }
      if (pos < end_ && body_[pos] != '{' &&
          std::string_view("[\"-0123456789tfn").find(body_[pos]) != std::string_view::npos) {
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
            json_text::unescape(body_.substr(hit.begin, hit.size), out.keys);
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
        if (level >= limits_.max_depth)
          return fail(pos, fmt::format("nested deeper than {} levels", limits_.max_depth));
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
        json_text::unescape(raw, name);
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
          const int cp = json_text::hex4(region, pos + 2);
          if (cp < 0) return fail(pos, "bad \\u escape (4 hex digits expected)");
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(pos, "unpaired UTF-16 surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            const size_t next = pos + 6;
            const int low = next + 1 < end_ && body_[next] == '\\' && body_[next + 1] == 'u'
                                ? json_text::hex4(region, next + 2)
                                : -1;
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
      const size_t n = json_text::utf8_length(body_.substr(0, end_), pos);
      if (n == 0) return fail(pos, "invalid UTF-8 in a string");
      pos += n;
    }
  }

  std::string_view body_;
  size_t end_;  // end of the region scanned: the body, or the current line
  std::string_view end_name_ = "the body";
  const KeyPointer& key_;
  const PushBodyLimits& limits_;
  std::vector<Frame> stack_;
  std::optional<BodyError> error_;
};

}  // namespace

std::optional<BodyError> parse_push_body(std::string_view body, BodyFormat format, const KeyPointer& key,
                                         const PushBodyLimits& limits, ParsedBody& out) {
  out.elements.clear();
  out.keys.clear();
  Parser parser(body, key, limits);
  return format == BodyFormat::json_array ? parser.array(out) : parser.ndjson(out);
}

}  // namespace kascade
