// process/transforms/pointer_trie.h: every JSON pointer of a program, pre-split into one tree, resolved in one walk.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process/transforms/json_fields.h"
#include "process/transforms/value.h"

namespace kascade::transforms {

// The JSON pointers (RFC 6901) a program reads, merged by common prefix:
// "/location/city" and "/location/state" share the "location" node. Per
// record, resolve() walks the parsed document once, scanning each object's
// keys a single time for all the children wanted from it, and leaves the
// value of every pointer in a slot: the slot of a pointer is its node index.
//
// Resolution is lenient: a pointer through an absent value, null, or a value
// that is not a container is absent. The validate transform is where shapes
// are checked ("/name: expected an object").
class PointerTrie {
 public:
  PointerTrie();

  // The node of `pointer` ("" is the whole document), adding it if new;
  // nullopt with `error` set if the text is not a JSON pointer.
  std::optional<uint32_t> add(std::string_view pointer, std::string& error);

  size_t size() const { return nodes_.size(); }
  const std::string& pointer_of(uint32_t node) const { return nodes_[node].pointer; }

  // Fills slots[node] with the tape word of each pointer's value, or nullptr.
  void resolve(const json_fields::Doc& doc, std::vector<const uint64_t*>& slots) const;

  // The same resolution in one On-Demand pass over `doc` (iterating `bytes`,
  // which are followed by simdjson's padding), in document order: fills fields[node] with each pointer's
  // value, extracted once with its type, and checks every other value as
  // simdjson's DOM parse would (numbers, literals, strings, nesting, trailing
  // content). False when it cannot vouch for the document: invalid JSON, a
  // root that is not an object, a key or a skipped string with an escape, or
  // nesting deeper than the DOM parser allows; the caller then parses with the
  // DOM and resolve(), which say exactly what is wrong (pointer_walk.cc).
  bool walk(simdjson::ondemand::document& doc, std::string_view bytes, std::vector<Field>& fields) const;

  // The same resolution for a record without any backslash, read straight
  // from simdjson's stage-1 index: `structurals` holds the `count` positions
  // in `bytes` (followed by simdjson's padding) of every structural character
  // and of the first byte of every other value, as stage 1 leaves them, and
  // room for two more (overwritten). Checks
  // the whole grammar, every literal and number, and that nothing follows the
  // root. False when it cannot vouch for the record exactly as the DOM parse
  // would (invalid JSON, a root that is not an object, a number whose exact
  // reading it leaves to the DOM, nesting deeper than walk() allows): the
  // caller then takes the DOM path (structural_walk.cc).
  bool scan(uint32_t* structurals, uint32_t count, std::string_view bytes, std::vector<Field>& fields) const;

 private:
  // A child's token as walk() matches it against a key's raw bytes: the key's
  // first 8 bytes (loaded at once: the input is padded) masked and compared
  // with `head`, which for a token under 8 bytes holds the closing quote too,
  // so one compare decides; longer tokens also check the quote and the rest.
  struct ChildKey {
    uint64_t head = 0;
    uint64_t mask = 0;
    uint32_t size = 0;  // the token's bytes
    uint32_t node = 0;  // the child
    uint8_t first = 0;  // the key's first byte: the token's, or the closing quote of an empty one
    uint64_t tail = 0;  // a token of 8 to 15 bytes: its last 7 bytes and the closing quote
  };
  struct Node {
    std::string token;              // the unescaped key (or array index) under the parent
    std::string pointer;            // the full pointer, for messages
    std::optional<uint32_t> index;  // token as an array index, if it is one
    std::vector<uint32_t> children;
    // One per child, by first byte: the keys starting with byte b are
    // child_keys[first_start[b] .. first_start[b + 1]) (257 entries; none for a leaf).
    std::vector<ChildKey> child_keys;
    std::vector<uint32_t> first_start;
  };
  static ChildKey child_key(const std::string& token, uint32_t node);
  // The child of `node` whose token is the key at `raw` (just past its opening
  // quote, in a record that ends at `end` and is followed by simdjson's
  // padding), or kNoChild. Only the children whose tokens start with the key's
  // first byte are compared (first_start). A token holds no quote or
  // backslash, so equal up to a quote means the whole key. The first 8 bytes
  // are loaded at once, which decides tokens under 8 bytes in one masked compare.
  static constexpr uint32_t kNoChild = UINT32_MAX;
  static uint32_t child_named(const Node* nodes, const Node& node, const char* raw, const char* end) {
    const unsigned char first = static_cast<unsigned char>(raw[0]);
    uint64_t head;
    std::memcpy(&head, raw, sizeof(head));
    for (uint32_t i = node.first_start[first]; i < node.first_start[first + 1]; ++i) {
      const ChildKey& key = node.child_keys[i];
      if ((head & key.mask) == key.head && (key.size < 8 || long_key_is(nodes, key, raw, end))) return key.node;
    }
    return kNoChild;
  }
  // The rest of a token of 8 bytes or more whose first 8 bytes match: its closing quote, then the bytes between.
  // Under 16 bytes, one more 8-byte load ending at the quote covers them (the padding keeps it in bounds).
  static bool long_key_is(const Node* nodes, const ChildKey& key, const char* raw, const char* end) {
    if (key.size < 16) {
      uint64_t tail;
      std::memcpy(&tail, raw + key.size - 7, sizeof(tail));
      return tail == key.tail;
    }
    return raw + key.size < end && raw[key.size] == '"' &&
           std::memcmp(raw + 8, nodes[key.node].token.data() + 8, key.size - 8) == 0;
  }
  static void index_child_keys(Node& node);
  void resolve_children(const Node& node, const uint64_t* word, const json_fields::Doc& doc,
                        std::vector<const uint64_t*>& slots) const;
  friend class PointerWalk;     // walk()'s one pass (pointer_walk.cc)
  friend class StructuralWalk;  // scan()'s one pass (structural_walk.cc)

  std::vector<Node> nodes_;   // [0] is the root ("")
  bool plain_tokens_ = true;  // no token holds a quote, a backslash or a control character
};

}  // namespace kascade::transforms
