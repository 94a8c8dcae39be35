// sources/generator/randomuser_generator.h: deterministic randomuser.me-shaped users.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record.h"

namespace kascade {

struct GeneratorOptions {
  std::string seed = "kascade";
  // Share of records replaced by a malformed one (0 = none). Which indices
  // are malformed, and how, is a pure function of the seed and the index.
  double malformed_ratio = 0.0;
};

// Kinds of malformed records the generator can inject (for tests and demos).
enum class MalformedKind {
  bad_json,          // truncated JSON
  wrong_type,        // dob.age is a string, name is a number, ...
  missing_required,  // no login.uuid
  oversize,          // a valid-looking user padded past 2 MiB
  invalid_utf8,      // bytes that are not UTF-8 inside a string
};
const char* malformed_kind_name(MalformedKind kind);

// The user at index i of a seed's infinite sequence, shaped exactly like an
// item of the API's results[] (every field, every real-world variant).
// Thread-safe: all methods are const and depend only on (seed, index).
class RandomUserGenerator {
 public:
  explicit RandomUserGenerator(GeneratorOptions options);

  // Appends the user's JSON (UTF-8, one object, no trailing newline) to out.
  void append_user_json(uint64_t index, std::string& out) const;
  std::string user_json(uint64_t index) const;

  // login.uuid of the user at index (the record key).
  std::string login_uuid(uint64_t index) const;

  // Which malformation, if any, replaces the record at index.
  std::optional<MalformedKind> malformed_kind(uint64_t index) const;

  // The bus record for index: key = login.uuid, value = the user JSON (or the
  // malformed bytes), headers source/fetched_at/seed/page, timestamp = fetched_at.
  Record record(uint64_t index, int64_t fetched_at_ms) const;

  const GeneratorOptions& options() const { return options_; }

 private:
  GeneratorOptions options_;
  uint64_t seed_hash_;
};

}  // namespace kascade
