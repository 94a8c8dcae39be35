// process/transforms/json_fields.h: typed, null-aware reads of simdjson DOM (tape) fields, with JSON-pointer errors.
#pragma once

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kascade::json_fields {

using simdjson::dom::element_type;

// The parsed document is read straight from simdjson's tape (the layout of
// simdjson's doc/tape.md, stable across its releases): one 64-bit word per
// value (two for numbers), the type in the top byte; a string word points at
// a 32-bit length and the bytes in the string buffer; an object's word holds
// the index just past its closing word. The parse has already validated all
// of it, so reading a word whose type was checked once needs no further check.
static_assert(simdjson::SIMDJSON_VERSION_MAJOR == 3, "the tape layout read here is simdjson 3's");

inline constexpr uint64_t kPayloadMask = 0x00FFFFFFFFFFFFFFull;

// The tape and string buffer of one parsed document.
struct Doc {
  const uint64_t* tape = nullptr;
  const uint8_t* strings = nullptr;

  // The document `parser` last parsed successfully.
  static Doc of(const simdjson::dom::parser& parser) { return Doc{parser.doc.tape.get(), parser.doc.string_buf.get()}; }
};

// One value of the tape, or absent (word == nullptr).
struct Slot {
  const uint64_t* word = nullptr;
  const Doc* doc = nullptr;

  bool present() const { return word != nullptr; }
  // The tape type: '"', 'l', 'u', 'd', 't', 'f', 'n', '{', '['.
  char tag() const { return static_cast<char>(*word >> 56); }
  // Absent or JSON null: the cell it feeds becomes NULL.
  bool is_null() const { return !word || tag() == 'n'; }
  element_type type() const { return type_of_tag(tag()); }
  // The element type of a tape letter.
  static element_type type_of_tag(char tag) {
    switch (tag) {
      case '[':
        return element_type::ARRAY;
      case '{':
        return element_type::OBJECT;
      case 'l':
        return element_type::INT64;
      case 'u':
        return element_type::UINT64;
      case 'd':
        return element_type::DOUBLE;
      case '"':
        return element_type::STRING;
      case 't':
      case 'f':
        return element_type::BOOL;
      default:
        return element_type::NULL_VALUE;
    }
  }
  // Unchecked reads: only after tag() said so.
  std::string_view text() const {
    const uint8_t* at = doc->strings + (*word & kPayloadMask);
    uint32_t size;
    std::memcpy(&size, at, sizeof(size));
    return std::string_view(reinterpret_cast<const char*>(at + sizeof(size)), size);
  }
  int64_t int64() const { return static_cast<int64_t>(word[1]); }
  uint64_t uint64() const { return word[1]; }
  double real() const {
    double v;
    std::memcpy(&v, word + 1, sizeof(v));
    return v;
  }
};

// A JSON object of the tape (its '{' word), or absent (word == nullptr).
struct Object {
  const uint64_t* word = nullptr;
  const Doc* doc = nullptr;

  explicit operator bool() const { return word != nullptr; }
};

// The root value of `doc` (after the tape's 'r' word).
inline Slot root_of(const Doc& doc) { return Slot{doc.tape + 1, &doc}; }

// Equal-length keys compared with two overlapping fixed-size loads (only bytes
// inside both keys are read): no libc call, no per-byte loop, no jump table.
inline bool same_key(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n >= 8 && n <= 16) {
    uint64_t x0, x1, y0, y1;
    std::memcpy(&x0, x, 8);
    std::memcpy(&y0, y, 8);
    std::memcpy(&x1, x + n - 8, 8);
    std::memcpy(&y1, y + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n >= 4 && n < 8) {
    uint32_t x0, x1, y0, y1;
    std::memcpy(&x0, x, 4);
    std::memcpy(&y0, y, 4);
    std::memcpy(&x1, x + n - 4, 4);
    std::memcpy(&y1, y + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n > 0 && n < 4) return x[0] == y[0] && x[n / 2] == y[n / 2] && x[n - 1] == y[n - 1];
  return std::memcmp(x, y, n) == 0;
}

// The values of up to 32 named keys of one JSON object; `Keys` is a constexpr
// std::array<std::string_view, N> with static storage. The keys are template
// arguments, so each comparison is against constants: a length test and one or
// two fixed-size loads, unrolled over the keys.
template <const auto& Keys>
class Fields {
  static constexpr size_t N = std::tuple_size_v<std::remove_cvref_t<decltype(Keys)>>;
  static_assert(N <= 32);

 public:
  // Finds each of Keys; other keys are skipped without being read. With
  // duplicate keys the first one wins, and the walk stops once every key is found.
  // An absent object: every key is absent.
  explicit Fields(Object object) : doc_(object.doc) {
    if (object) find(object);
  }
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  Slot operator[](size_t i) const { return Slot{values_[i], doc_}; }

 private:
  // Records `value` for the key of Keys equal to `key`, if any and if not seen before;
  // true if it was recorded.
  bool record(std::string_view key, const uint64_t* value) {
    return [&]<size_t... I>(std::index_sequence<I...>) {
      bool recorded = false;
      (void)((same_key(key, Keys[I]) ? (values_[I] == nullptr ? (values_[I] = value, recorded = true) : false, true)
                                     : false) ||
             ...);
      return recorded;
    }
    (std::make_index_sequence<N>{});
  }
  void find(Object object) {
    const uint64_t* const tape = doc_->tape;
    const uint8_t* const strings = doc_->strings;
    // The '{' word's low 32 bits: the tape index just past the matching '}'.
    const uint64_t* const end = tape + static_cast<uint32_t>(*object.word) - 1;
    size_t missing = N;
    for (const uint64_t* key = object.word + 1; key < end;) {
      const uint8_t* const at = strings + (*key & kPayloadMask);
      uint32_t size;
      std::memcpy(&size, at, sizeof(size));
      const uint64_t* const value = key + 1;
      if (record(std::string_view(reinterpret_cast<const char*>(at + sizeof(size)), size), value) && --missing == 0) {
        break;
      }
      // The next key: past a container, or one word (two for a number) on.
      const uint64_t word = *value;
      const uint8_t words = kWords[word >> 56];
      key = words != 0 ? value + words : tape + static_cast<uint32_t>(word);
    }
  }
  // Tape words taken by a scalar of each tape type; 0 for '{' and '['.
  static constexpr std::array<uint8_t, 256> kWords = [] {
    std::array<uint8_t, 256> words{};
    for (auto& w : words) w = 1;
    words['{'] = words['['] = 0;
    words['l'] = words['u'] = words['d'] = 2;
    return words;
  }();

  const Doc* doc_;
  const uint64_t* values_[N] = {};
};

// "an object", "a string", ...: the JSON kind of a value, for messages.
inline const char* kind_name(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number with a fraction or exponent";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

// The first problem found in one document, as "<json pointer>: <what>".
// Owned by one mapper, so its buffer is reused across records.
class Problem {
 public:
  bool found() const { return found_; }
  const std::string& message() const { return message_; }
  void clear() {
    found_ = false;
    message_.clear();
  }

  // Records "<pointer>: <what>[<detail>]" unless a problem was already found.
  void set(std::string_view pointer, std::string_view what, std::string_view detail = {}) {
    if (found_) return;
    found_ = true;
    message_.assign(pointer.empty() ? std::string_view("(root)") : pointer);
    message_.append(": ").append(what).append(detail);
  }
  // Replaces the message with `message` (a joined list of problems, e.g. every failing field of a validate step).
  void set_message(std::string message) {
    found_ = true;
    message_ = std::move(message);
  }
  void missing(std::string_view pointer) { set(pointer, "missing"); }
  void wrong_type(std::string_view pointer, std::string_view expected, const Slot& got) {
    wrong_type(pointer, expected, got.type());
  }
  void wrong_type(std::string_view pointer, std::string_view expected, element_type got) {
    if (found_) return;
    std::string what = "expected ";
    what.append(expected).append(", got ").append(kind_name(got));
    set(pointer, what);
  }
  // "<pointer>: <what> \"<the text, cut at 40 bytes on a character boundary>\"".
  void bad_text(std::string_view pointer, std::string_view what, std::string_view text) {
    if (found_) return;
    size_t keep = text.size();
    if (keep > 40) {
      keep = 40;
      while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    }
    std::string detail = " \"";
    detail.append(text.substr(0, keep)).append(keep < text.size() ? "...\"" : "\"");
    set(pointer, what, detail);
  }

 private:
  bool found_ = false;
  std::string message_;
};

// An object, or an absent one if absent/null. A value of another kind is a problem.
inline bool read_object(const Slot& slot, std::string_view pointer, Object& out, Problem& problem) {
  out = Object{};
  if (!slot.present()) return true;
  const char tag = slot.tag();
  if (tag == '{') {
    out = Object{slot.word, slot.doc};
    return true;
  }
  if (tag == 'n') return true;
  problem.wrong_type(pointer, "an object", slot);
  return false;
}

// A string, or nullopt if absent/null. The view points into the parsed document.
inline bool read_text(const Slot& slot, std::string_view pointer, std::optional<std::string_view>& out,
                      Problem& problem) {
  out.reset();
  if (!slot.present()) return true;
  const char tag = slot.tag();
  if (tag == '"') {
    out = slot.text();
    return true;
  }
  if (tag == 'n') return true;
  problem.wrong_type(pointer, "a string", slot);
  return false;
}

// A string that must be there: absent or null is a problem.
inline bool require_text(const Slot& slot, std::string_view pointer, std::string_view& out, Problem& problem) {
  if (!slot.present()) {
    problem.missing(pointer);
    return false;
  }
  if (slot.tag() != '"') {
    problem.wrong_type(pointer, "a string", slot);
    return false;
  }
  out = slot.text();
  return true;
}

// A JSON integer that fits an int32, or nullopt if absent/null.
inline bool read_int32(const Slot& slot, std::string_view pointer, std::optional<int32_t>& out, Problem& problem) {
  out.reset();
  if (!slot.present()) return true;
  const char tag = slot.tag();
  if (tag == 'l') {
    const int64_t v = slot.int64();
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      out = static_cast<int32_t>(v);
      return true;
    }
  } else if (tag == 'n') {
    return true;
  } else if (tag != 'u') {
    problem.wrong_type(pointer, "an integer", slot);
    return false;
  }
  problem.set(pointer, "integer out of the int32 range");
  return false;
}

// Parses all of `text` as a decimal int64 ("-12", "1700000000000"); nothing else.
inline std::optional<int64_t> parse_decimal_int64(std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  const std::string_view digits = text.substr(negative ? 1 : 0);
  if (digits.empty() || digits.size() > 18) return std::nullopt;  // 18 digits cannot overflow
  int64_t v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return negative ? -v : v;
}

// A JSON number, or a string holding one ("-36.1"), or nullopt if absent/null.
inline bool read_number_or_numeric_text(const Slot& slot, std::string_view pointer, std::optional<double>& out,
                                        Problem& problem) {
  out.reset();
  if (!slot.present()) return true;
  switch (slot.tag()) {
    case 'n':
      return true;
    case 'd':
      out = slot.real();
      return true;
    case 'l':
      out = static_cast<double>(slot.int64());
      return true;
    case 'u':
      out = static_cast<double>(slot.uint64());
      return true;
    case '"': {
      const std::string_view text = slot.text();
      double v = 0;
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, v);
      if (ec != std::errc() || ptr != end || text.empty()) {
        problem.bad_text(pointer, "not a number:", text);
        return false;
      }
      out = v;
      return true;
    }
    default:
      problem.wrong_type(pointer, "a number or a numeric string", slot);
      return false;
  }
}

}  // namespace kascade::json_fields
