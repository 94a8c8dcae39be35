// process/transforms/pointer_walk.cc: PointerTrie::walk — every pointer of a program resolved in one simdjson On-Demand
// pass.
//
// The walk visits each value of the document once, in order: a value a
// pointer wants is extracted with its type (strings unescaped, numbers parsed
// as the DOM stores them); every other value is still checked, because
// On-Demand only validates what it is asked for. Whatever the walk is not
// sure to judge exactly as the DOM parse does makes it give up (false), and
// the record takes the DOM path: both paths then agree on every record, cell
// for cell and message for message.
#include <cstring>
#include <limits>
#include <utility>

#include "process/transforms/pointer_trie.h"

namespace kascade::transforms {

namespace ondemand = simdjson::ondemand;

// One walk over one document: the trie, the input bytes, the fields being filled.
class PointerWalk {
 public:
  PointerWalk(const std::vector<PointerTrie::Node>& nodes, std::string_view bytes, std::vector<Field>& fields)
      : nodes_(nodes.data()),
        end_(bytes.data() + bytes.size()),
        fields_(fields.data()),
        // Most records hold no escape at all: then every key and string is its
        // own bytes up to the next quote, and needs neither a scan nor a copy.
        escapes_(std::memchr(bytes.data(), '\\', bytes.size()) != nullptr) {}

  // The containers recurse through value(), which is inlined into their loops
  // (most values are scalars: a call per value cost more than the value's checks).
  [[gnu::noinline]] bool object(uint32_t node, ondemand::object object, int depth);
  [[gnu::noinline]] bool array(uint32_t node, ondemand::array array, int depth);
  [[gnu::always_inline]] inline bool value(uint32_t node, ondemand::value value, int depth);

 private:
  // A value no pointer wants: it is only checked.
  static constexpr uint32_t kSkipped = std::numeric_limits<uint32_t>::max();
  // Deeper documents are the DOM parse's to judge. Far under simdjson's own
  // maximum (DEFAULT_MAX_DEPTH), whose exact bookkeeping On-Demand asserts on
  // in debug builds; records nest a few levels, so nothing real falls back.
  static constexpr int kMaxDepth = 64;

  // The bytes of a key or string (`raw` is just past its opening quote) up to
  // the closing quote; false if it holds an escape (left to the DOM parse).
  bool plain_text(const char* raw, std::string_view& out) const {
    const void* quote = std::memchr(raw, '"', static_cast<size_t>(end_ - raw));
    if (quote == nullptr) return false;
    out = std::string_view(raw, static_cast<size_t>(static_cast<const char*>(quote) - raw));
    return !escapes_ || std::memchr(out.data(), '\\', out.size()) == nullptr;
  }
  // The bytes between the quotes of a string `token` (as raw_json_token() gives
  // it: the string, then any white space) in a record without a backslash:
  // there the closing quote is the token's last byte other than white space.
  static bool quoted_text(std::string_view token, std::string_view& out) {
    size_t end = token.size();
    if (end >= 2 && token[end - 1] == '"') {  // most often: nothing between the string and what follows
      out = token.substr(1, end - 2);
      return true;
    }
    while (end > 1 && is_space(token[end - 1])) --end;
    if (end < 2 || token[end - 1] != '"') return false;
    out = token.substr(1, end - 2);
    return true;
  }
  static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

  static_assert(kSkipped == PointerTrie::kNoChild);
  uint32_t child_named(const PointerTrie::Node& node, const char* raw) const {
    return PointerTrie::child_named(nodes_, node, raw, end_);
  }
  void set(uint32_t node, char tag, Val value) { fields_[node] = Field{tag, value}; }

  // The trie's nodes and the fields, sized to match before the walk: plain
  // pointers, which the loops need not reload through a vector.
  const PointerTrie::Node* nodes_;
  const char* end_;
  Field* fields_;
  bool escapes_;
};

bool PointerTrie::walk(ondemand::document& doc, std::string_view bytes, std::vector<Field>& fields) const {
  fields.assign(nodes_.size(), Field{});
  // Keys are compared as they stand in the input: a token with a quote, a
  // backslash or a control character is never found that way.
  if (!plain_tokens_) return false;
  ondemand::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS || type != ondemand::json_type::object) return false;
  ondemand::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  Val object;
  object.kind = Val::Kind::object;
  fields[0] = Field{'{', object};
  PointerWalk walk(nodes_, bytes, fields);
  if (!walk.object(0, root, 1)) return false;
  // Nothing may follow the root object.
  const char* after = nullptr;
  return doc.current_location().get(after) == simdjson::OUT_OF_BOUNDS;
}

bool PointerWalk::object(uint32_t node, ondemand::object object, int depth) {
  const PointerTrie::Node* const keys = node != kSkipped && !nodes_[node].child_keys.empty() ? &nodes_[node] : nullptr;
  for (auto member : object) {
    ondemand::field field;
    if (std::move(member).get(field) != simdjson::SUCCESS) return false;
    const char* const raw = field.key().raw();
    uint32_t target = kSkipped;
    bool matched = false;
    if (keys) {
      const uint32_t child = child_named(*keys, raw);
      if (child != kSkipped) {
        matched = true;
        // With duplicate keys the first one wins, as in resolve().
        if (!fields_[child].present()) target = child;
      }
    }
    // Any other key must hold no escape: an escaped key may spell a token, which only the DOM path sees.
    std::string_view key;
    if (!matched && escapes_ && !plain_text(raw, key)) return false;
    if (!value(target, field.value(), depth)) return false;
  }
  return true;
}

bool PointerWalk::array(uint32_t node, ondemand::array array, int depth) {
  const std::vector<uint32_t>* children =
      node != kSkipped && !nodes_[node].children.empty() ? &nodes_[node].children : nullptr;
  uint32_t index = 0;
  for (auto element : array) {
    ondemand::value item;
    if (std::move(element).get(item) != simdjson::SUCCESS) return false;
    uint32_t target = kSkipped;
    if (children) {
      for (const uint32_t child : *children) {
        if (nodes_[child].index == index && !fields_[child].present()) target = child;
      }
    }
    if (!value(target, item, depth)) return false;
    ++index;
  }
  return true;
}

inline bool PointerWalk::value(uint32_t node, ondemand::value value, int depth) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  const bool wanted = node != kSkipped;
  switch (type) {
    case ondemand::json_type::object: {
      if (depth >= kMaxDepth) return false;
      ondemand::object inner;
      if (value.get_object().get(inner) != simdjson::SUCCESS) return false;
      if (wanted) {
        Val v;
        v.kind = Val::Kind::object;
        set(node, '{', v);
      }
      return object(node, inner, depth + 1);
    }
    case ondemand::json_type::array: {
      if (depth >= kMaxDepth) return false;
      ondemand::array inner;
      if (value.get_array().get(inner) != simdjson::SUCCESS) return false;
      if (wanted) {
        Val v;
        v.kind = Val::Kind::array;
        set(node, '[', v);
      }
      return array(node, inner, depth + 1);
    }
    case ondemand::json_type::string: {
      if (wanted && escapes_) {
        std::string_view text;  // unescaped into the parser's string buffer
        if (value.get_string().get(text) != simdjson::SUCCESS) return false;
        set(node, '"', Val::of_text(text));
        return true;
      }
      // Its bytes up to the next structural character, read before the value is consumed.
      const std::string_view token = value.raw_json_token();
      ondemand::raw_json_string raw;
      if (value.get_raw_json_string().get(raw) != simdjson::SUCCESS) return false;
      if (!wanted && !escapes_) return true;  // stage 1 has checked its bytes; no escape to check
      std::string_view text;                  // without escapes, the input bytes are the value
      if (wanted) {
        if (!quoted_text(token, text)) return false;
        set(node, '"', Val::of_text(text));
        return true;
      }
      return plain_text(raw.raw(), text);
    }
    case ondemand::json_type::number: {
      ondemand::number number;
      if (value.get_number().get(number) != simdjson::SUCCESS) return false;
      if (!wanted) return true;
      switch (number.get_number_type()) {
        case ondemand::number_type::signed_integer:
          set(node, 'l', Val::of_int(number.get_int64()));
          return true;
        case ondemand::number_type::unsigned_integer:
          set(node, 'u', Val::of_real(static_cast<double>(number.get_uint64())));
          return true;
        case ondemand::number_type::floating_point_number:
          set(node, 'd', Val::of_real(number.get_double()));
          return true;
      }
      return false;
    }
    case ondemand::json_type::boolean: {
      bool truth = false;
      if (value.get_bool().get(truth) != simdjson::SUCCESS) return false;
      if (wanted) set(node, truth ? 't' : 'f', Val::of_bool(truth));
      return true;
    }
    case ondemand::json_type::null: {
      bool null = false;
      if (value.is_null().get(null) != simdjson::SUCCESS || !null) return false;
      if (wanted) set(node, 'n', Val{});
      return true;
    }
  }
  return false;
}

}  // namespace kascade::transforms
