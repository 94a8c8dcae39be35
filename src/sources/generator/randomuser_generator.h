// sources/generator/randomuser_generator.h: deterministic randomuser.me-shaped users.
#pragma once

#include <cstddef>
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
// Owns only its options and values derived from the seed; any thread may use
// one instance (README.md lists the guarantees: determinism, uuid
// uniqueness, variant rates, malformed kinds).
class RandomUserGenerator {
 public:
  // dob.age and registered.age are whole years up to this instant
  // (2024-01-01T00:00:00Z), never the wall clock, so output is reproducible.
  static constexpr int64_t kReferenceMs = 1704067200000;
  // The `page` header: index / kUsersPerPage + 1, as if fetched 5,000 per call.
  static constexpr uint64_t kUsersPerPage = 5000;
  // Indices below this get pairwise distinct login.uuid values.
  static constexpr uint64_t kUniqueIndexLimit = uint64_t{1} << 62;
  // The oversize malformation pads a user past this many bytes.
  static constexpr size_t kOversizeBytes = 2 * 1024 * 1024;

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
  Record record(uint64_t index, int64_t fetched_at_ms) const;  // source "generator"
  Record record(uint64_t index, int64_t fetched_at_ms, std::string_view source_name) const;

  const GeneratorOptions& options() const { return options_; }

 private:
  struct Tweaks;  // how a malformed record departs from the user (user_tweaks.h)

  void append_user(uint64_t index, const Tweaks& tweaks, std::string& out) const;
  void append_uuid(uint64_t index, std::string& out) const;
  void append_malformed(uint64_t index, MalformedKind kind, std::string& out) const;

  GeneratorOptions options_;
  uint64_t seed_hash_;
  uint64_t malformed_threshold_ = 0;  // index is malformed when its hash is below this
  bool all_malformed_ = false;        // malformed_ratio >= 1
};

}  // namespace kascade
