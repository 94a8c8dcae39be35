// process/json_fields.h: typed, null-aware reads of simdjson DOM fields, with JSON-pointer errors.
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

using simdjson::dom::element;
using simdjson::dom::element_type;

// One named field of a JSON object, as found by Fields: its value, or absent.
struct Slot {
  const element* field = nullptr;

  bool present() const { return field != nullptr; }
  const element& value() const { return *field; }
  // Absent or JSON null: the cell it feeds becomes NULL.
  bool is_null() const { return !field || field->type() == element_type::NULL_VALUE; }
};

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
// std::array<std::string_view, N> with static storage. Values live in raw
// storage and only found ones are constructed, so a Fields costs nothing to set
// up (a zeroed array of elements costs a rep stos per object, per record).
// The keys are template arguments, so each comparison is against constants: a
// length test and one or two fixed-size loads, unrolled over the keys.
template <const auto& Keys>
class Fields {
  static constexpr size_t N = std::tuple_size_v<std::remove_cvref_t<decltype(Keys)>>;
  static_assert(N <= 32);
  static_assert(std::is_trivially_destructible_v<element>);

 public:
  // Finds each of Keys; other keys are skipped without being read. With
  // duplicate keys the first one wins, and the walk stops once every key is found.
  explicit Fields(simdjson::dom::object object) { find(object); }
  // An absent or null object: every key is absent.
  explicit Fields(const std::optional<simdjson::dom::object>& object) {
    if (object) find(*object);
  }
  Fields(const Fields&) = delete;
  Fields& operator=(const Fields&) = delete;

  Slot operator[](size_t i) const {
    if (!((present_ >> i) & 1)) return Slot{};
    return Slot{std::launder(reinterpret_cast<const element*>(storage_ + i * sizeof(element)))};
  }

 private:
  // The position of `key` in Keys, or N.
  static size_t index_of(std::string_view key) {
    return [key]<size_t... I>(std::index_sequence<I...>) {
      size_t found = N;
      (void)((same_key(key, Keys[I]) ? (found = I, true) : false) || ...);
      return found;
    }(std::make_index_sequence<N>{});
  }
  void find(simdjson::dom::object object) {
    constexpr uint32_t kAll = N == 32 ? ~uint32_t{0} : (uint32_t{1} << N) - 1;
    const auto end = object.end();
    for (auto it = object.begin(); it != end && present_ != kAll; ++it) {
      const size_t i = index_of(it.key());
      if (i < N && !((present_ >> i) & 1)) {
        new (storage_ + i * sizeof(element)) element(it.value());
        present_ |= uint32_t{1} << i;
      }
    }
  }
  uint32_t present_ = 0;
  alignas(element) unsigned char storage_[N * sizeof(element)];
};

// "an object", "a string", ...: the JSON kind of a value, for messages.
inline const char* kind_name(element_type type) {
  switch (type) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64: return "an integer";
    case element_type::DOUBLE: return "a number with a fraction or exponent";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
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
  void missing(std::string_view pointer) { set(pointer, "missing"); }
  void wrong_type(std::string_view pointer, std::string_view expected, element got) {
    if (found_) return;
    std::string what = "expected ";
    what.append(expected).append(", got ").append(kind_name(got.type()));
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

// An object, or nullopt if absent/null. A value of another kind is a problem.
inline bool read_object(const Slot& slot, std::string_view pointer,
                        std::optional<simdjson::dom::object>& out, Problem& problem) {
  out.reset();
  if (slot.is_null()) return true;
  if (slot.value().type() != element_type::OBJECT) {
    problem.wrong_type(pointer, "an object", slot.value());
    return false;
  }
  out = slot.value().get_object().value_unsafe();
  return true;
}

// A string, or nullopt if absent/null. The view points into the parsed document.
inline bool read_text(const Slot& slot, std::string_view pointer,
                      std::optional<std::string_view>& out, Problem& problem) {
  out.reset();
  if (slot.is_null()) return true;
  if (slot.value().type() != element_type::STRING) {
    problem.wrong_type(pointer, "a string", slot.value());
    return false;
  }
  out = slot.value().get_string().value_unsafe();
  return true;
}

// A string that must be there: absent or null is a problem.
inline bool require_text(const Slot& slot, std::string_view pointer, std::string_view& out,
                         Problem& problem) {
  if (!slot.present()) {
    problem.missing(pointer);
    return false;
  }
  std::optional<std::string_view> text;
  if (!read_text(slot, pointer, text, problem)) return false;
  if (!text) {
    problem.wrong_type(pointer, "a string", slot.value());
    return false;
  }
  out = *text;
  return true;
}

// A JSON integer that fits an int32, or nullopt if absent/null.
inline bool read_int32(const Slot& slot, std::string_view pointer, std::optional<int32_t>& out,
                       Problem& problem) {
  out.reset();
  if (slot.is_null()) return true;
  const element_type type = slot.value().type();
  if (type == element_type::INT64) {
    const int64_t v = slot.value().get_int64().value_unsafe();
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      out = static_cast<int32_t>(v);
      return true;
    }
  } else if (type != element_type::UINT64) {
    problem.wrong_type(pointer, "an integer", slot.value());
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
inline bool read_number_or_numeric_text(const Slot& slot, std::string_view pointer,
                                        std::optional<double>& out, Problem& problem) {
  out.reset();
  if (slot.is_null()) return true;
  switch (slot.value().type()) {
    case element_type::DOUBLE: out = slot.value().get_double().value_unsafe(); return true;
    case element_type::INT64:
      out = static_cast<double>(slot.value().get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      out = static_cast<double>(slot.value().get_uint64().value_unsafe());
      return true;
    case element_type::STRING: {
      const std::string_view text = slot.value().get_string().value_unsafe();
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
    default: problem.wrong_type(pointer, "a number or a numeric string", slot.value()); return false;
  }
}

}  // namespace kascade::json_fields
