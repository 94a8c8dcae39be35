// sources/generator/malformed_records.cc: which indices are malformed, how, and the bus record.
#include <iterator>
#include <optional>
#include <string>

#include "core/json_append.h"
#include "sources/generator/generator_hash.h"
#include "sources/generator/randomuser_generator.h"
#include "sources/generator/user_tweaks.h"

namespace kascade {
namespace {

using generator_hash::index_hash;
using generator_hash::mix64;

constexpr uint64_t kMalformedSalt = 0x6D616C66;  // chooses the malformed indices
constexpr uint64_t kShapeSalt = 0x73686170;      // chooses how each one is malformed
constexpr MalformedKind kKinds[] = {MalformedKind::bad_json, MalformedKind::wrong_type, MalformedKind::missing_required,
                                    MalformedKind::oversize, MalformedKind::invalid_utf8};

}  // namespace

const char* malformed_kind_name(MalformedKind kind) {
  switch (kind) {
    case MalformedKind::bad_json:
      return "bad_json";
    case MalformedKind::wrong_type:
      return "wrong_type";
    case MalformedKind::missing_required:
      return "missing_required";
    case MalformedKind::oversize:
      return "oversize";
    case MalformedKind::invalid_utf8:
      return "invalid_utf8";
  }
  return "unknown";
}

// An index is malformed when a seeded hash of it falls below ratio * 2^64;
// the kind is a second hash of the index modulo 5, so the kinds come in equal
// shares in any long enough run of indices.
std::optional<MalformedKind> RandomUserGenerator::malformed_kind(uint64_t index) const {
  if (!all_malformed_ && malformed_threshold_ == 0) return std::nullopt;
  const uint64_t h = index_hash(seed_hash_, index, kMalformedSalt);
  if (!all_malformed_ && h >= malformed_threshold_) return std::nullopt;
  return kKinds[mix64(h ^ kShapeSalt) % std::size(kKinds)];
}

void RandomUserGenerator::append_malformed(uint64_t index, MalformedKind kind, std::string& out) const {
  const uint64_t shape = index_hash(seed_hash_, index, kShapeSalt);
  Tweaks tweaks;
  switch (kind) {
    case MalformedKind::bad_json: {
      // The user cut somewhere in its middle half, before any non-ASCII byte so
      // that the damage is the JSON syntax alone (an object never closed).
      const size_t start = out.size();
      append_user(index, tweaks, out);
      const size_t size = out.size() - start;
      size_t cut = start + size / 4 + shape % (size / 2);
      while (cut > start + 1 && static_cast<unsigned char>(out[cut]) >= 0x80) --cut;
      out.resize(cut);
      return;
    }
    case MalformedKind::wrong_type: {
      static constexpr Tweaks::WrongType kShapes[] = {Tweaks::WrongType::age_string, Tweaks::WrongType::name_number,
                                                      Tweaks::WrongType::date_number};
      tweaks.wrong_type = kShapes[shape % std::size(kShapes)];
      break;
    }
    case MalformedKind::missing_required:
      tweaks.omit_uuid = true;
      break;
    case MalformedKind::oversize:
      tweaks.padding_bytes = kOversizeBytes + 1 + shape % 4096;
      break;
    case MalformedKind::invalid_utf8:
      tweaks.invalid_utf8_first = true;
      break;
  }
  append_user(index, tweaks, out);
}

Record RandomUserGenerator::record(uint64_t index, int64_t fetched_at_ms) const {
  return record(index, fetched_at_ms, "generator");
}

Record RandomUserGenerator::record(uint64_t index, int64_t fetched_at_ms, std::string_view source_name) const {
  Record rec;
  rec.timestamp_ms = fetched_at_ms;
  const std::optional<MalformedKind> kind = malformed_kind(index);
  if (kind != MalformedKind::missing_required) {
    rec.key.reserve(36);
    append_uuid(index, rec.key);
  }
  if (kind == MalformedKind::oversize) {
    rec.value.reserve(kOversizeBytes + 8192);
  } else {
    rec.value.reserve(kUserJsonReserve);
  }
  if (kind) {
    append_malformed(index, *kind, rec.value);
  } else {
    append_user(index, Tweaks{}, rec.value);
  }

  rec.headers.reserve(4);
  rec.headers.push_back({"source", std::string(source_name)});
  std::string number;
  json_append::append_int(number, fetched_at_ms);
  rec.headers.push_back({"fetched_at", std::move(number)});
  rec.headers.push_back({"seed", options_.seed});
  number.clear();
  json_append::append_uint(number, index / kUsersPerPage + 1);
  rec.headers.push_back({"page", std::move(number)});
  return rec;
}

}  // namespace kascade
