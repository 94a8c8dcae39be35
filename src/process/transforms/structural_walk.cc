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
      : nodes_(trie.nodes_.data()), bytes_(bytes.data()), end_(bytes.data() + bytes.size()), at_(structurals),
        last_(structurals + count), fields_(fields) {}

  // The root object and its members, then nothing else.
  bool root() {
    if (here() != '{') return false;
    Val object;
    object.kind = Val::Kind::object;
    fields_[0] = Field{'{', object};
    return this->object(0, 1) && at_ == last_;
  }

 private:
  static constexpr uint32_t kSkipped = PointerTrie::kNoChild;
  static constexpr int kMaxDepth = 64;  // as PointerWalk: deeper records are the DOM's to judge

  // The record's bytes at a position. The two positions past the last one are
  // the end of the record (PointerTrie::scan), whose next byte is padding: 0,
  // which nothing accepts, so a walk stops there at the latest.
  const char* at(const uint32_t* position) const { return bytes_ + *position; }
  char here() const { return *at(at_); }
  // The end of the value that starts at the current position: where the next
  // one starts, less white space. (Any other byte after a value starts a
  // position of its own, or stays part of the value's token: either way the
  // value is then rejected.)
  const char* token_end() const {
    const char* end = at(at_ + 1);
    while (is_space(end[-1])) --end;
    return end;
  }
  void set(uint32_t node, char tag, Val value) { fields_[node] = Field{tag, value}; }

  // The containers recurse through value(), which is inlined into their loops
  // (most values are scalars: a call per value costs more than its checks).
  [[gnu::noinline]] bool object(uint32_t node, int depth);
  [[gnu::noinline]] bool array(uint32_t node, int depth);
  [[gnu::always_inline]] inline bool value(uint32_t node, int depth);
  [[gnu::noinline]] bool literal(uint32_t node, const char* start);
  [[gnu::noinline]] bool number(uint32_t node, const char* start, const char* end);

  const PointerTrie::Node* nodes_;
  const char* bytes_;
  const char* end_;
  const uint32_t* at_;    // the position being read
  const uint32_t* last_;  // past the last position stage 1 found
  Field* fields_;
};

bool PointerTrie::scan(uint32_t* structurals, uint32_t count, std::string_view bytes,
                       std::vector<Field>& fields) const {
  fields.assign(nodes_.size(), Field{});
  // Keys are compared as they stand in the input: a token with a quote, a
  // backslash or a control character is never found that way.
  if (!plain_tokens_) return false;
  // Stage 1 leaves room past its last position (a record of n bytes has at most n positions, and the
  // index holds more than n entries): the end of the record there stops every walk (StructuralWalk::at).
  structurals[count] = static_cast<uint32_t>(bytes.size());
  structurals[count + 1] = static_cast<uint32_t>(bytes.size());
  return StructuralWalk(*this, structurals, count, bytes, fields.data()).root();
}

// At '{': its members, up to and past its '}'.
bool StructuralWalk::object(uint32_t node, int depth) {
  const PointerTrie::Node* const keys =
      node != kSkipped && !nodes_[node].child_keys.empty() ? &nodes_[node] : nullptr;
  ++at_;
  if (here() == '}') {
    ++at_;
    return true;
  }
  for (;;) {
    // "key" then ':' (white space between): the key's closing quote is the last byte before the colon.
    const char* const key = at(at_);
    const char* key_end = at(at_ + 1);
    if (*key != '"' || *key_end != ':') return false;
    while (is_space(key_end[-1])) --key_end;
    if (key_end - key < 2 || key_end[-1] != '"') return false;
    uint32_t target = kSkipped;
    if (keys) {
      const uint32_t child = PointerTrie::child_named(nodes_, *keys, key + 1, end_);
      // With duplicate keys the first one wins, as in resolve().
      if (child != kSkipped && !fields_[child].present()) target = child;
    }
    at_ += 2;
    if (!value(target, depth)) return false;
    const char after = here();
    ++at_;
    if (after == ',') continue;
    return after == '}';
  }
}

// At '[': its elements, up to and past its ']'.
bool StructuralWalk::array(uint32_t node, int depth) {
  const std::vector<uint32_t>* children =
      node != kSkipped && !nodes_[node].children.empty() ? &nodes_[node].children : nullptr;
  ++at_;
  if (here() == ']') {
    ++at_;
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
    const char after = here();
    ++at_;
    if (after == ',') continue;
    return after == ']';
  }
}

// The value at the current position, taken if `node` wants it, checked either way; moves past it.
inline bool StructuralWalk::value(uint32_t node, int depth) {
  const char* const start = at(at_);
  switch (*start) {
    case '"': {
      // No backslash in the record: the closing quote is the token's last byte.
      const char* const end = token_end();
      if (end - start < 2 || end[-1] != '"') return false;
      if (node != kSkipped) {
        set(node, '"', Val::of_text(std::string_view(start + 1, static_cast<size_t>(end - start - 2))));
      }
      ++at_;
      return true;
    }
    case '{':
    case '[': {
      if (depth >= kMaxDepth) return false;
      if (node != kSkipped) {
        Val v;
        v.kind = *start == '{' ? Val::Kind::object : Val::Kind::array;
        set(node, *start, v);
      }
      return *start == '{' ? object(node, depth + 1) : array(node, depth + 1);
    }
    case 't':
    case 'f':
    case 'n': return literal(node, start);
    default: {
      const char* const end = token_end();
      ++at_;
      return number(node, start, end);
    }
  }
}

// true, false or null.
bool StructuralWalk::literal(uint32_t node, const char* start) {
  const std::string_view token(start, static_cast<size_t>(token_end() - start));
  ++at_;
  if (token == "true") {
    if (node != kSkipped) set(node, 't', Val::of_bool(true));
  } else if (token == "false") {
    if (node != kSkipped) set(node, 'f', Val::of_bool(false));
  } else if (token == "null") {
    if (node != kSkipped) set(node, 'n', Val{});
  } else {
    return false;
  }
  return true;
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
