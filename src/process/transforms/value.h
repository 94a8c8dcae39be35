// process/transforms/value.h: the values a transform program computes per record, and their scratch memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "process/transforms/json_fields.h"

namespace kascade::transforms {

// One computed value. Text is a view into the parsed document, the program's
// literals, or the runner's Scratch: valid until the next record.
struct Val {
  enum class Kind : uint8_t { null, boolean, integer, real, text, object, array };
  Kind kind = Kind::null;
  // The number or truth of a value of that kind: only the member of `kind` is
  // read (one union keeps a Val, copied per column and argument, to 32 bytes).
  union {
    int64_t integer = 0;
    double real;
    bool boolean;
  };
  std::string_view text;

  bool is_null() const { return kind == Kind::null; }
  static Val of_bool(bool v) {
    Val out;
    out.kind = Kind::boolean;
    out.boolean = v;
    return out;
  }
  static Val of_int(int64_t v) {
    Val out;
    out.kind = Kind::integer;
    out.integer = v;
    return out;
  }
  static Val of_real(double v) {
    Val out;
    out.kind = Kind::real;
    out.real = v;
    return out;
  }
  static Val of_text(std::string_view v) {
    Val out;
    out.kind = Kind::text;
    out.text = v;
    return out;
  }

  // A value of the parsed document (absent: null).
  static Val of_slot(const json_fields::Slot& slot) {
    if (slot.is_null()) return Val{};
    switch (slot.tag()) {
      case '"':
        return of_text(slot.text());
      case 'l':
        return of_int(slot.int64());
      case 'u':
        return of_real(static_cast<double>(slot.uint64()));
      case 'd':
        return of_real(slot.real());
      case 't':
        return of_bool(true);
      case 'f':
        return of_bool(false);
      case '{': {
        Val out;
        out.kind = Kind::object;
        return out;
      }
      case '[': {
        Val out;
        out.kind = Kind::array;
        return out;
      }
      default:
        return Val{};
    }
  }
};

// The value of one JSON pointer of a record, as PointerTrie resolves it (from
// the DOM tape or the On-Demand walk alike): `tag` is the JSON kind with
// simdjson's tape letters ('"', 'l' int64, 'u' uint64 above int64, 'd', 't',
// 'f', 'n', '{', '['), 0 if absent; `value` is that value as Val::of_slot reads it.
struct Field {
  char tag = 0;
  Val value;

  bool present() const { return tag != 0; }
  bool is_null() const { return tag == 0 || tag == 'n'; }
};

// "a string", "an integer", ...: the JSON kind of a value, as json_fields names it.
inline const char* kind_name(const Val& v) {
  switch (v.kind) {
    case Val::Kind::null:
      return "null";
    case Val::Kind::boolean:
      return "a boolean";
    case Val::Kind::integer:
      return "an integer";
    case Val::Kind::real:
      return "a number with a fraction or exponent";
    case Val::Kind::text:
      return "a string";
    case Val::Kind::object:
      return "an object";
    case Val::Kind::array:
      return "an array";
  }
  return "an unknown value";
}

// Bytes for texts built while transforming one record (concat, lower, ...).
// Blocks are kept across records, and never move, so views into them stay
// valid until reset(): after the first records, nothing is allocated. (The
// first request of a record starts a block; 0 bytes may then be nullptr.)
class Scratch {
 public:
  char* allocate(size_t size) {
    // Most texts fit in what is left of the current block: one compare.
    if (size <= static_cast<size_t>(end_ - next_)) {
      char* const out = next_;
      next_ += size;
      return out;
    }
    return allocate_in_next_block(size);
  }
  std::string_view copy(std::string_view text) {
    char* out = allocate(text.size());
    if (!text.empty()) std::memcpy(out, text.data(), text.size());
    return std::string_view(out, text.size());
  }
  // Forgets every text of the current record; the blocks stay.
  void reset() {
    started_ = 0;
    next_ = end_ = nullptr;
  }

 private:
  // Starts the next block of this record large enough for `size` bytes
  // (kept from earlier records, or new) and takes them from it.
  [[gnu::noinline]] char* allocate_in_next_block(size_t size) {
    size_t index = started_;
    while (index < blocks_.size() && blocks_[index].size < size) ++index;
    if (index == blocks_.size()) {
      const size_t bytes = size > kBlockBytes ? size : kBlockBytes;
      blocks_.push_back(Block{std::make_unique<char[]>(bytes), bytes});
    }
    started_ = index + 1;
    next_ = blocks_[index].bytes.get() + size;
    end_ = blocks_[index].bytes.get() + blocks_[index].size;
    return blocks_[index].bytes.get();
  }

  static constexpr size_t kBlockBytes = 64 * 1024;
  struct Block {
    std::unique_ptr<char[]> bytes;
    size_t size;
  };
  std::vector<Block> blocks_;
  size_t started_ = 0;    // blocks of the current record: [0, started_)
  char* next_ = nullptr;  // the free bytes of the current block: [next_, end_)
  char* end_ = nullptr;
};

// What reading a text as a number, a timestamp or a UUID gave, remembered for
// the current record: validate reads /dob/date as a timestamp, then the
// column's conversion reads it again; with this, only once. Keyed by where the
// text's bytes are and how many: within one record a text's bytes never change
// (texts are views into the record, the program's literals or Scratch, all
// kept until the next record), so the same view is the same text. Only
// successful reads are remembered: a failure is read again, and explained.
class ParsedTexts {
 public:
  enum class As : uint8_t { number, timestamp, uuid };

  // What `text` was read as, or nullptr if it was not (yet).
  const Val* find(std::string_view text, As as) const {
    for (size_t i = 0; i < used_; ++i) {
      const Entry& entry = entries_[i];
      if (entry.data == text.data() && entry.size == text.size() && entry.as == as) return &entry.value;
    }
    return nullptr;
  }
  // Remembers the first few reads of a record (a handful of fields are read
  // twice); later ones are simply read again.
  void remember(std::string_view text, As as, const Val& value) {
    if (used_ < kCapacity) entries_[used_++] = Entry{text.data(), text.size(), as, value};
  }
  // Forgets the current record's texts.
  void clear() { used_ = 0; }

 private:
  static constexpr size_t kCapacity = 8;
  struct Entry {
    const char* data;
    size_t size;
    As as;
    Val value;
  };
  Entry entries_[kCapacity];
  size_t used_ = 0;
};

}  // namespace kascade::transforms
