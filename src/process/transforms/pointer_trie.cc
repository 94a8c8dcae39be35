// process/transforms/pointer_trie.cc: JSON pointer parsing and the one-pass resolution of all of them.
#include "process/transforms/pointer_trie.h"

#include <algorithm>
#include <cstring>

namespace kascade::transforms {
namespace {

// Tape words taken by a value of each type: 0 for containers (jump to their end).
constexpr uint8_t words_of(uint64_t word) {
  switch (static_cast<char>(word >> 56)) {
    case '{':
    case '[':
      return 0;
    case 'l':
    case 'u':
    case 'd':
      return 2;
    default:
      return 1;
  }
}

// The value after `value`: past a container, or one word (two for a number) on.
const uint64_t* next_value(const uint64_t* value, const uint64_t* tape) {
  const uint8_t words = words_of(*value);
  return words != 0 ? value + words : tape + static_cast<uint32_t>(*value);
}

std::string_view key_at(const uint64_t* key, const json_fields::Doc& doc) {
  const uint8_t* at = doc.strings + (*key & json_fields::kPayloadMask);
  uint32_t size;
  std::memcpy(&size, at, sizeof(size));
  return std::string_view(reinterpret_cast<const char*>(at + sizeof(size)), size);
}

}  // namespace

PointerTrie::PointerTrie() { nodes_.push_back(Node{}); }

// The key table entry of `token` (see PointerTrie::ChildKey).
PointerTrie::ChildKey PointerTrie::child_key(const std::string& token, uint32_t node) {
  unsigned char bytes[8] = {};
  unsigned char mask[8] = {};
  const size_t compared = token.size() < 8 ? token.size() + 1 : 8;  // with the closing quote when it fits
  for (size_t i = 0; i < compared; ++i) {
    bytes[i] = i < token.size() ? static_cast<unsigned char>(token[i]) : '"';
    mask[i] = 0xff;
  }
  ChildKey key;
  std::memcpy(&key.head, bytes, 8);
  std::memcpy(&key.mask, mask, 8);
  key.size = static_cast<uint32_t>(token.size());
  key.node = node;
  key.first = bytes[0];
  if (token.size() >= 8 && token.size() < 16) {
    const std::string quoted = token.substr(token.size() - 7) + '"';
    std::memcpy(&key.tail, quoted.data(), 8);
  }
  return key;
}

// Sorts a node's child keys by first byte and notes where each byte's run starts.
void PointerTrie::index_child_keys(Node& node) {
  std::stable_sort(node.child_keys.begin(), node.child_keys.end(),
                   [](const ChildKey& a, const ChildKey& b) { return a.first < b.first; });
  node.first_start.assign(257, 0);
  size_t at = 0;
  for (size_t byte = 0; byte <= 256; ++byte) {
    while (at < node.child_keys.size() && node.child_keys[at].first < byte) ++at;
    node.first_start[byte] = static_cast<uint32_t>(at);
  }
}

std::optional<uint32_t> PointerTrie::add(std::string_view pointer, std::string& error) {
  if (!pointer.empty() && pointer[0] != '/') {
    error = "a JSON pointer starts with '/'";
    return std::nullopt;
  }
  uint32_t node = 0;
  size_t at = 0;
  while (at < pointer.size()) {
    const size_t end = pointer.find('/', at + 1);
    const std::string_view raw =
        pointer.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[++i] == '0' ? '~' : '/';
      } else {
        error = "'~' must be followed by 0 or 1 in a JSON pointer";
        return std::nullopt;
      }
    }
    uint32_t child = 0;
    for (const uint32_t c : nodes_[node].children) {
      if (nodes_[c].token == token) child = c;
    }
    if (child == 0) {
      Node added;
      added.token = token;
      added.pointer = std::string(pointer.substr(0, end == std::string_view::npos ? pointer.size() : end));
      if (!token.empty() && token.size() <= 9 && token.find_first_not_of("0123456789") == std::string::npos &&
          (token.size() == 1 || token[0] != '0')) {
        added.index = static_cast<uint32_t>(std::stoul(token));
      }
      for (const char c : token) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) plain_tokens_ = false;
      }
      child = static_cast<uint32_t>(nodes_.size());
      nodes_.push_back(std::move(added));
      nodes_[node].children.push_back(child);
      nodes_[node].child_keys.push_back(child_key(nodes_[child].token, child));
      index_child_keys(nodes_[node]);
    }
    node = child;
    if (end == std::string_view::npos) break;
    at = end;
  }
  return node;
}

void PointerTrie::resolve(const json_fields::Doc& doc, std::vector<const uint64_t*>& slots) const {
  slots.assign(nodes_.size(), nullptr);
  const uint64_t* root = json_fields::root_of(doc).word;
  slots[0] = root;
  resolve_children(nodes_[0], root, doc, slots);
}

void PointerTrie::resolve_children(const Node& node, const uint64_t* word, const json_fields::Doc& doc,
                                   std::vector<const uint64_t*>& slots) const {
  if (node.children.empty()) return;
  const char tag = static_cast<char>(*word >> 56);
  const uint64_t* const end = doc.tape + static_cast<uint32_t>(*word) - 1;
  size_t missing = node.children.size();
  if (tag == '{') {
    for (const uint64_t* key = word + 1; key < end && missing > 0;) {
      const std::string_view name = key_at(key, doc);
      const uint64_t* const value = key + 1;
      for (const uint32_t child : node.children) {
        // With duplicate keys the first one wins, as in UsersMapper.
        if (slots[child] == nullptr && json_fields::same_key(name, nodes_[child].token)) {
          slots[child] = value;
          --missing;
          break;
        }
      }
      key = next_value(value, doc.tape);
    }
  } else if (tag == '[') {
    uint32_t index = 0;
    for (const uint64_t* value = word + 1; value < end && missing > 0; value = next_value(value, doc.tape), ++index) {
      for (const uint32_t child : node.children) {
        if (nodes_[child].index == index && slots[child] == nullptr) {
          slots[child] = value;
          --missing;
        }
      }
    }
  } else {
    return;
  }
  for (const uint32_t child : node.children) {
    if (slots[child] != nullptr) resolve_children(nodes_[child], slots[child], doc, slots);
  }
}

}  // namespace kascade::transforms
