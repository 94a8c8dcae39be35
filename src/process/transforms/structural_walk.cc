// process/transforms/structural_walk.cc: PointerTrie::scan — every pointer of a program resolved from simdjson's stage-1 index.
//
// simdjson parses in two stages. Stage 1 (SIMD, in the CPU's best kernel)
// validates UTF-8, finds the strings (rejecting unescaped control characters
// and unclosed strings) and lists the position of every structural character
// ({ } [ ] : ,) and of the first byte of every other value. Stage 2 reads that
// list as a grammar. This file is a stage 2 of its own for records without a
// backslash, which are most records: there a string is its own bytes between
// two quotes, so no value needs copying or unescaping, and the walk reads the
// list straight, matching keys against the trie, taking the values pointers
// want and checking every other value (grammar, literals, numbers, nothing
// after the root).
//
// It gives up (false) on whatever it cannot judge exactly as the DOM parse
// does, and the record then takes the DOM path, which names the problem: any
// syntax error, a root that is not an object, an integer of more than 18
// digits, "-0", a number out of the double range, deep nesting. So both paths
// agree on every record, cell for cell and message for message
// (pipeline/tests/ondemand_walk_test.cc, flagship_differential_test.cc).
#include <charconv>
#include <cmath>
#include <cstring>

#include "process/transforms/pointer_trie.h"

namespace kascade::transforms {
namespace {

// JSON's white space; most bytes tested are above ' ', decided by the first compare.
bool is_space(char c) {
  constexpr uint64_t kSpaces = (1ull << ' ') | (1ull << '\n') | (1ull << '\r') | (1ull << '\t');
  const auto byte = static_cast<unsigned char>(c);
  return byte <= ' ' && ((kSpaces >> byte) & 1) != 0;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// One pass over one record's stage-1 positions.
class StructuralWalk {
 public:
  StructuralWalk(const PointerTrie& trie, const uint32_t* structurals, uint32_t count, std::string_view bytes,
                 Field* fields)
      : nodes_(trie.nodes_.data()), bytes_(bytes.data()), end_(bytes.data() + bytes.size()),
        structurals_(structurals), count_(count), fields_(fields) {}

  // The root object and its members, then nothing else.
  bool root() {
    if (byte_at(0) != '{') return false;
    Val object;
    object.kind = Val::Kind::object;
    fields_[0] = Field{'{', object};
    return this->object(0, 1) && next_ == count_;
  }

 private:
  static constexpr uint32_t kSkipped = PointerTrie::kNoChild;
  static constexpr int kMaxDepth = 64;  // as PointerWalk: deeper records are the DOM's to judge

  // The input position of structural `i`. The two entries past the last one
  // are set to the end of the record (PointerTrie::scan), whose next byte is
  // padding: 0, which nothing accepts, so a walk stops there at the latest.
  const char* position(uint32_t i) const { return bytes_ + structurals_[i]; }
  char byte_at(uint32_t i) const { return *position(i); }
  // The end of the value that starts at structural `i`: where the next one
  // starts, less white space. (Any other byte after a value starts a position
  // of its own, or stays part of the value's token: either way it is caught.)
  const char* token_end(uint32_t i) const {
    const char* end = position(i + 1);
    while (is_space(end[-1])) --end;
    return end;
  }
  void set(uint32_t node, char tag, Val value) { fields_[node] = Field{tag, value}; }

  bool object(uint32_t node, int depth);
  bool array(uint32_t node, int depth);
  bool value(uint32_t node, int depth);
  bool number(uint32_t node, const char* start, const char* end);

  const PointerTrie::Node* nodes_;
  const char* bytes_;
  const char* end_;
  const uint32_t* structurals_;
  uint32_t count_;
  uint32_t next_ = 0;  // the structural being read
  Field* fields_;
};

bool PointerTrie::scan(uint32_t* structurals, uint32_t count, std::string_view bytes,
                       std::vector<Field>& fields) const {
  fields.assign(nodes_.size(), Field{});
  // Keys are compared as they stand in the input: a token with a quote, a
  // backslash or a control character is never found that way.
  if (!plain_tokens_) return false;
  // Stage 1 leaves room past its last position (a record of n bytes has at most n positions, and the
  // index holds more than n entries): the end of the record there stops every walk (position()).
  structurals[count] = static_cast<uint32_t>(bytes.size());
  structurals[count + 1] = static_cast<uint32_t>(bytes.size());
  return StructuralWalk(*this, structurals, count, bytes, fields.data()).root();
}

// At '{': its members, up to and past its '}'.
bool StructuralWalk::object(uint32_t node, int depth) {
  const PointerTrie::Node* const keys =
      node != kSkipped && !nodes_[node].child_keys.empty() ? &nodes_[node] : nullptr;
  ++next_;
  if (byte_at(next_) == '}') {
    ++next_;
    return true;
  }
  for (;;) {
    // "key" then ':' (white space between): the key's closing quote is the last byte before the colon.
    const char* const key = position(next_);
    if (*key != '"' || byte_at(next_ + 1) != ':') return false;
    const char* const key_end = token_end(next_);
    if (key_end - key < 2 || key_end[-1] != '"') return false;
    uint32_t target = kSkipped;
    if (keys) {
      const uint32_t child = PointerTrie::child_named(nodes_, *keys, key + 1, end_);
      // With duplicate keys the first one wins, as in resolve().
      if (child != kSkipped && !fields_[child].present()) target = child;
    }
    next_ += 2;
    if (!value(target, depth)) return false;
    const char after = byte_at(next_++);
    if (after == ',') continue;
    return after == '}';
  }
}

// At '[': its elements, up to and past its ']'.
bool StructuralWalk::array(uint32_t node, int depth) {
  const std::vector<uint32_t>* children =
      node != kSkipped && !nodes_[node].children.empty() ? &nodes_[node].children : nullptr;
  ++next_;
  if (byte_at(next_) == ']') {
    ++next_;
    return true;
  }
  for (uint32_t index = 0;; ++index) {
    uint32_t target = kSkipped;
    if (children) {
      for (const uint32_t child : *children) {
        if (nodes_[child].index == index && !fields_[child].present()) target = child;
      }
    }
    if (!value(target, depth)) return false;
    const char after = byte_at(next_++);
    if (after == ',') continue;
    return after == ']';
  }
}

// The value at the current structural, taken if `node` wants it, checked either way; moves past it.
bool StructuralWalk::value(uint32_t node, int depth) {
  const bool wanted = node != kSkipped;
  const char* const start = position(next_);
  switch (*start) {
    case '{':
    case '[': {
      if (depth >= kMaxDepth) return false;
      if (wanted) {
        Val v;
        v.kind = *start == '{' ? Val::Kind::object : Val::Kind::array;
        set(node, *start, v);
      }
      return *start == '{' ? object(node, depth + 1) : array(node, depth + 1);
    }
    case '"': {
      // No backslash in the record: the closing quote is the token's last byte.
      const char* const end = token_end(next_);
      if (end - start < 2 || end[-1] != '"') return false;
      if (wanted) set(node, '"', Val::of_text(std::string_view(start + 1, static_cast<size_t>(end - start - 2))));
      ++next_;
      return true;
    }
    case 't':
    case 'f':
    case 'n': {
      const char* const end = token_end(next_);
      const std::string_view token(start, static_cast<size_t>(end - start));
      ++next_;
      if (token == "true") {
        if (wanted) set(node, 't', Val::of_bool(true));
      } else if (token == "false") {
        if (wanted) set(node, 'f', Val::of_bool(false));
      } else if (token == "null") {
        if (wanted) set(node, 'n', Val{});
      } else {
        return false;
      }
      return true;
    }
    default: {
      const char* const end = token_end(next_);
      ++next_;
      return number(node, start, end);
    }
  }
}

// A JSON number, read as the DOM stores it: an int64 ('l') or a double ('d').
// Integers of more than 18 digits and "-0" (which simdjson reads its own way)
// and doubles out of range are left to the DOM.
bool StructuralWalk::number(uint32_t node, const char* start, const char* end) {
  const char* p = start;
  const bool negative = *p == '-';
  if (negative) ++p;
  const char* const digits = p;
  if (p < end && *p == '0') {
    ++p;
  } else {
    while (p < end && is_digit(*p)) ++p;
  }
  const char* const digits_end = p;
  if (digits_end == digits) return false;
  bool integer = true;
  if (p < end && *p == '.') {
    integer = false;
    const char* const fraction = ++p;
    while (p < end && is_digit(*p)) ++p;
    if (p == fraction) return false;
  }
  bool exponent = false;
  if (p < end && (*p == 'e' || *p == 'E')) {
    integer = false;
    exponent = true;
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* const exponent_digits = p;
    while (p < end && is_digit(*p)) ++p;
    if (p == exponent_digits) return false;
  }
  if (p != end) return false;
  if (integer) {
    const size_t count = static_cast<size_t>(digits_end - digits);
    if (count > 18 || (negative && count == 1 && *digits == '0')) return false;
    if (node == kSkipped) return true;
    int64_t value = 0;
    for (const char* d = digits; d < digits_end; ++d) value = value * 10 + (*d - '0');
    set(node, 'l', Val::of_int(negative ? -value : value));
    return true;
  }
  // Without an exponent a double overflows only with hundreds of digits.
  if (node == kSkipped && !exponent && end - start < 300) return true;
  double value = 0;
  const auto [stop, error] = std::from_chars(start, end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return false;
  if (node != kSkipped) set(node, 'd', Val::of_real(value));
  return true;
}

}  // namespace kascade::transforms
