// process/tests/users_mapping_ondemand_mutations.cc: damaged user documents for the differential test.
//
// From well-formed users: random byte edits (flip, insert, delete, replace with a
// JSON-significant or non-UTF-8 byte), truncations, repeated keys with values of
// every kind, escaped keys, and nesting around the parser's depth limit.
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace kascade {
namespace {

constexpr std::string_view kBytes = "{}[]:,\"\\ 0123456789eE+-.tfnu";
constexpr std::array<char, 4> kRawBytes = {'\x00', '\x80', '\xC3', '\xFF'};
constexpr std::array<std::string_view, 24> kKeys = {
    "gender", "name", "location", "email", "login", "dob", "registered", "phone",
    "cell", "picture", "nat", "title", "first", "last", "street", "number",
    "city", "postcode", "coordinates", "latitude", "timezone", "offset", "uuid", "date"};
constexpr std::array<std::string_view, 22> kValues = {
    "null", "true", "false", "0", "-1", "37", "2.5", "-1.5e3", "99999999999",
    "18446744073709551615", "-9223372036854775808", "\"x\"", "\"\"", "{}", "[]",
    "\"2000-01-01T00:00:00Z\"", "\"00000000-0000-4000-8000-000000000001\"",
    "{\"first\":\"Z\",\"last\":\"Q\"}", "{\"number\":\"12\",\"name\":\"a\"}",
    "\"12 main st\"", "[1,{\"a\":[null]}]", "\"\\u00e9\\ud83d\\ude00\""};

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  char some_byte() {
    if (below(5) == 0) return kRawBytes[below(kRawBytes.size())];
    if (below(8) == 0) return static_cast<char>(below(256));
    return kBytes[below(kBytes.size())];
  }

  void edit_bytes(std::string& s) {
    const size_t edits = 1 + below(3);
    for (size_t e = 0; e < edits && !s.empty(); ++e) {
      const size_t at = below(s.size());
      switch (below(4)) {
        case 0: s[at] = static_cast<char>(s[at] ^ (1 << below(8))); break;
        case 1: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), some_byte()); break;
        case 2: s.erase(at, 1); break;
        default: s[at] = some_byte(); break;
      }
    }
  }

  // A member with a known key and a value of any kind, right after a '{' or before a '}'.
  void repeat_key(std::string& s) {
    std::vector<size_t> braces;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '{' || s[i] == '}') braces.push_back(i);
    }
    if (braces.empty()) return;
    const size_t at = braces[below(braces.size())];
    const std::string member = "\"" + std::string(kKeys[below(kKeys.size())]) +
                               "\":" + std::string(kValues[below(kValues.size())]);
    if (s[at] == '{') {
      s.insert(at + 1, member + ",");
    } else {
      s.insert(at, "," + member);
    }
  }

  // A known key spelled with a \u escape, or a key made invalid by a bad escape.
  void escape_key(std::string& s) {
    const std::string_view key = kKeys[below(kKeys.size())];
    const size_t at = s.find("\"" + std::string(key) + "\"");
    if (at == std::string::npos) return;
    static constexpr std::array<std::string_view, 4> kEscapes = {"\\u0061", "\\u00", "\\x", "\\/"};
    const std::string_view escape = kEscapes[below(kEscapes.size())];
    std::string replaced(key);
    const size_t pos = below(replaced.size());
    if (escape == "\\u0061") {
      if (replaced[pos] != 'a') return;
      replaced.replace(pos, 1, escape);
    } else {
      replaced.insert(pos, escape);
    }
    s.replace(at + 1, key.size(), replaced);
  }

  // Replaces the value after a ':' with nesting around the depth limit of 1024.
  void nest(std::string& s) {
    const size_t colon = s.find(':', below(s.size()));
    if (colon == std::string::npos) return;
    const size_t depth = 1015 + below(20);
    std::string deep;
    const bool objects = below(2) == 0;
    for (size_t i = 0; i < depth; ++i) deep += objects ? "{\"k\":" : "[";
    deep += below(2) == 0 ? "1" : (objects ? "{}" : "[]");
    for (size_t i = 0; i < depth; ++i) deep += objects ? "}" : "]";
    if (below(10) == 0) deep.pop_back();  // unbalanced
    const size_t end = s.find_first_of(",}", colon + 1);
    s.replace(colon + 1, (end == std::string::npos ? s.size() : end) - colon - 1, deep);
  }

  void mutate(std::string& s) {
    switch (below(10)) {
      case 0: s.resize(below(s.size() + 1)); break;
      case 1:
      case 2: repeat_key(s); break;
      case 3: escape_key(s); break;
      case 4: if (below(20) == 0) { nest(s); } else { edit_bytes(s); } break;
      case 5: repeat_key(s); edit_bytes(s); break;
      default: edit_bytes(s); break;
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

void for_each_mutated_input(uint64_t seed, size_t count, const std::vector<std::string>& bases,
                            const std::function<void(std::string_view)>& visit) {
  Mutator mutator(seed);
  std::string doc;
  for (size_t i = 0; i < count; ++i) {
    doc = bases[mutator.below(bases.size())];
    if (doc.size() > 64 * 1024) doc.resize(4096);
    mutator.mutate(doc);
    visit(doc);
  }
}

}  // namespace kascade
