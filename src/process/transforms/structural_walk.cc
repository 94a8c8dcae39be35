// process/transforms/structural_walk.cc: PointerTrie::scan — every pointer of a program resolved from simdjson's
// stage-1 index.
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
#include <type_traits>

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

// One pass over one record's stage-1 positions. The position being read is
// passed along and returned (nullptr: rejected), and each loop keeps what it
// reads in locals: a Field written through a char could otherwise alias any
// member, and the compiler would reload them all after every write.
class StructuralWalk {
 public:
  StructuralWalk(const PointerTrie& trie, std::string_view bytes, Field* fields)
      : nodes_(trie.nodes_.data()), bytes_(bytes.data()), end_(bytes.data() + bytes.size()), fields_(fields) {}

  // The root object at `first` and its members, then nothing else up to `last`.
  bool root(const uint32_t* first, const uint32_t* last) const {
    if (bytes_[*first] != '{') return false;
    Val object;
    object.kind = Val::Kind::object;
    fields_[0] = Field{'{', object};
    return this->object(0, 1, first) == last;
  }

 private:
  static constexpr uint32_t kSkipped = PointerTrie::kNoChild;
  static constexpr int kMaxDepth = 64;  // as PointerWalk: deeper records are the DOM's to judge

  // The end of a value or key that starts at position `at`: where the next
  // position starts, less white space. (Any other byte after a value starts a
  // position of its own, or stays part of the value's token: either way the
  // value is then rejected.) The two positions past the last one are the end
  // of the record (PointerTrie::scan), whose next byte is padding: 0, which
  // nothing accepts, so a walk stops there at the latest.
  static const char* token_end(const char* bytes, const uint32_t* at) {
    const char* end = bytes + at[1];
    while (is_space(end[-1])) --end;
    return end;
  }

  // Each returns the position past what it read, or nullptr if the record is rejected.
  // The containers recurse through value(), which is inlined into their loops
  // (most values are scalars: a call per value costs more than its checks).
  [[gnu::noinline]] const uint32_t* object(uint32_t node, int depth, const uint32_t* at) const;
  [[gnu::noinline]] const uint32_t* array(uint32_t node, int depth, const uint32_t* at) const;
  [[gnu::always_inline]] inline const uint32_t* value(uint32_t node, int depth, const uint32_t* at) const;
  [[gnu::noinline]] const uint32_t* literal(uint32_t node, const uint32_t* at) const;
  [[gnu::noinline]] bool number(uint32_t node, const char* start, const char* end) const;

  const PointerTrie::Node* const nodes_;
  const char* const bytes_;
  const char* const end_;
  Field* const fields_;
};

bool PointerTrie::scan(uint32_t* structurals, uint32_t count, std::string_view bytes,
                       std::vector<Field>& fields) const {
  // Every field absent: all-zero bytes (one memset, where assign() copies Field{} one by one).
  static_assert(std::is_trivially_copyable_v<Field>);
  fields.resize(nodes_.size());
  std::memset(static_cast<void*>(fields.data()), 0, fields.size() * sizeof(Field));
  // Keys are compared as they stand in the input: a token with a quote, a
  // backslash or a control character is never found that way.
  if (!plain_tokens_) return false;
  // Stage 1 leaves room past its last position (a record of n bytes has at most n positions, and the
  // index holds more than n entries): the end of the record there stops every walk (token_end).
  structurals[count] = static_cast<uint32_t>(bytes.size());
  structurals[count + 1] = static_cast<uint32_t>(bytes.size());
  return StructuralWalk(*this, bytes, fields.data()).root(structurals, structurals + count);
}

// At '{': its members, up to and past its '}'.
const uint32_t* StructuralWalk::object(uint32_t node, int depth, const uint32_t* at) const {
  const char* const bytes = bytes_;
  Field* const fields = fields_;
  const PointerTrie::Node* const keys = node != kSkipped && !nodes_[node].child_keys.empty() ? &nodes_[node] : nullptr;
  ++at;
  if (bytes[*at] == '}') return at + 1;
  for (;;) {
    // "key" then ':' (white space between): the key's closing quote is the last byte before the colon.
    const char* const key = bytes + at[0];
    if (*key != '"' || bytes[at[1]] != ':') return nullptr;
    const char* const key_end = token_end(bytes, at);
    if (key_end - key < 2 || key_end[-1] != '"') return nullptr;
    uint32_t target = kSkipped;
    if (keys) {
      const uint32_t child = PointerTrie::child_named(nodes_, *keys, key + 1, end_);
      // With duplicate keys the first one wins, as in resolve().
      if (child != kSkipped && !fields[child].present()) target = child;
    }
    at = value(target, depth, at + 2);
    if (at == nullptr) return nullptr;
    const char after = bytes[*at++];
    if (after == ',') continue;
    return after == '}' ? at : nullptr;
  }
}

// At '[': its elements, up to and past its ']'.
const uint32_t* StructuralWalk::array(uint32_t node, int depth, const uint32_t* at) const {
  const char* const bytes = bytes_;
  const std::vector<uint32_t>* children =
      node != kSkipped && !nodes_[node].children.empty() ? &nodes_[node].children : nullptr;
  ++at;
  if (bytes[*at] == ']') return at + 1;
  for (uint32_t index = 0;; ++index) {
    uint32_t target = kSkipped;
    if (children) {
      for (const uint32_t child : *children) {
        if (nodes_[child].index == index && !fields_[child].present()) target = child;
      }
    }
    at = value(target, depth, at);
    if (at == nullptr) return nullptr;
    const char after = bytes[*at++];
    if (after == ',') continue;
    return after == ']' ? at : nullptr;
  }
}

// The value at position `at`, taken if `node` wants it, checked either way.
inline const uint32_t* StructuralWalk::value(uint32_t node, int depth, const uint32_t* at) const {
  const char* const start = bytes_ + *at;
  switch (*start) {
    case '"': {
      // No backslash in the record: the closing quote is the token's last byte.
      const char* const end = token_end(bytes_, at);
      if (end - start < 2 || end[-1] != '"') return nullptr;
      if (node != kSkipped) {
        fields_[node] = Field{'"', Val::of_text(std::string_view(start + 1, static_cast<size_t>(end - start - 2)))};
      }
      return at + 1;
    }
    case '{':
    case '[': {
      if (depth >= kMaxDepth) return nullptr;
      if (node != kSkipped) {
        Val v;
        v.kind = *start == '{' ? Val::Kind::object : Val::Kind::array;
        fields_[node] = Field{*start, v};
      }
      return *start == '{' ? object(node, depth + 1, at) : array(node, depth + 1, at);
    }
    case 't':
    case 'f':
    case 'n':
      return literal(node, at);
    default:
      return number(node, start, token_end(bytes_, at)) ? at + 1 : nullptr;
  }
}

// true, false or null.
const uint32_t* StructuralWalk::literal(uint32_t node, const uint32_t* at) const {
  const char* const start = bytes_ + *at;
  const std::string_view token(start, static_cast<size_t>(token_end(bytes_, at) - start));
  Field field;
  if (token == "true") {
    field = Field{'t', Val::of_bool(true)};
  } else if (token == "false") {
    field = Field{'f', Val::of_bool(false)};
  } else if (token == "null") {
    field = Field{'n', Val{}};
  } else {
    return nullptr;
  }
  if (node != kSkipped) fields_[node] = field;
  return at + 1;
}

// A JSON number, read as the DOM stores it: an int64 ('l') or a double ('d').
// Integers of more than 18 digits and "-0" (which simdjson reads its own way)
// and doubles out of range are left to the DOM.
bool StructuralWalk::number(uint32_t node, const char* start, const char* end) const {
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
    fields_[node] = Field{'l', Val::of_int(negative ? -value : value)};
    return true;
  }
  // Without an exponent a double overflows only with hundreds of digits.
  if (node == kSkipped && !exponent && end - start < 300) return true;
  double value = 0;
  const auto [stop, error] = std::from_chars(start, end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return false;
  if (node != kSkipped) fields_[node] = Field{'d', Val::of_real(value)};
  return true;
}

}  // namespace kascade::transforms
