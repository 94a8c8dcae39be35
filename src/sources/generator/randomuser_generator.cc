// sources/generator/randomuser_generator.cc: writes the user at (seed, index) as API JSON.
#include "sources/generator/randomuser_generator.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/json_append.h"
#include "core/timestamp.h"
#include "sources/generator/generator_hash.h"
#include "sources/generator/generator_tables.h"
#include "sources/generator/random_text.h"
#include "sources/generator/user_tweaks.h"

namespace kascade {
namespace {

using generator_hash::index_hash;
using generator_hash::mix64;
using generator_hash::Rng;
using json_append::append_int;
using json_append::append_string;
using json_append::append_uint;
using random_text::append_fixed4;
using random_text::append_hex;
using random_text::append_pattern;
using random_text::pick;
using random_text::write_hex64;
namespace tables = generator_tables;

// Purposes of the independent (seed, index) hashes.
constexpr uint64_t kUserStreamSalt = 0x75736572;  // the user's random stream
constexpr uint64_t kUuidHighSalt = 0x75756964;    // uuid bits not tied to the index

// Rates, in percent, of the variants that do not follow from the nationality.
constexpr uint32_t kStreetStringPercent = 8;  // old flat "8929 valwood pkwy"
constexpr uint32_t kDatesWithoutMsPercent = 6;
constexpr uint32_t kExtraFieldPercent = 4;

constexpr int64_t kYearMs = 31556952000;  // 365.2425 days

// A keyed bijection of [0, 2^62): each step (xor with a key, multiply by an
// odd constant, xor-shift right, add a key, all mod 2^62) is invertible.
uint64_t permute62(uint64_t x, uint64_t key) {
  constexpr uint64_t kMask = (uint64_t{1} << 62) - 1;
  x = (x ^ key) & kMask;
  for (int round = 0; round < 3; ++round) {
    x = (x * 0xD6E8FEB86659FD93ULL) & kMask;
    x ^= x >> 29;
    x = (x + (key >> (round * 7))) & kMask;
  }
  return x;
}

int year_of(std::string_view iso) {
  return (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
}

// The reference instant's year and "MM-DDTHH:MM:SS.mmm", for whole-year ages.
struct Reference {
  int year;
  std::string tail;
};
const Reference& reference() {
  static const Reference kReference = [] {
    const std::string iso = format_iso8601_ms(RandomUserGenerator::kReferenceMs);
    return Reference{year_of(iso), iso.substr(5, 18)};
  }();
  return kReference;
}

// How append_dated departs from the real shape (for wrong_type records).
enum class DateFault { none, age_string, date_number };

// Appends {"date":"...","age":N} (the "date" as an ISO string, with or
// without milliseconds); age = whole years from the date to the reference.
void append_dated(std::string& out, int64_t epoch_ms, bool with_ms, DateFault fault) {
  out.append("{\"date\":");
  if (fault == DateFault::date_number) {
    append_int(out, epoch_ms);
    out.append(",\"age\":");
    append_int(out, (RandomUserGenerator::kReferenceMs - epoch_ms) / kYearMs);
    out.push_back('}');
    return;
  }
  out.push_back('"');
  const size_t start = out.size();
  append_iso8601_ms(out, epoch_ms);  // YYYY-MM-DDTHH:MM:SS.mmmZ
  const std::string_view iso(out.data() + start, out.size() - start);
  const Reference& ref = reference();
  const int age = ref.year - year_of(iso) - (iso.substr(5, 18) > ref.tail ? 1 : 0);
  if (!with_ms) out.erase(out.size() - 5, 4);  // drop ".mmm", keep the 'Z'
  out.append("\",\"age\":");
  if (fault == DateFault::age_string) {
    static constexpr std::string_view kWords[] = {"teen",  "twenty", "thirty",  "forty",
                                                  "fifty", "sixty",  "seventy", "eighty"};
    append_string(out, kWords[std::clamp(age / 10, 1, 8) - 1]);
  } else {
    append_int(out, age);
  }
  out.push_back('}');
}

}  // namespace

RandomUserGenerator::RandomUserGenerator(GeneratorOptions options)
    : options_(std::move(options)), seed_hash_(generator_hash::hash_seed(options_.seed)) {
  if (options_.malformed_ratio >= 1.0) {
    all_malformed_ = true;
  } else if (options_.malformed_ratio > 0.0) {
    const double threshold = options_.malformed_ratio * 18446744073709551616.0;  // ratio * 2^64
    if (threshold >= 18446744073709551616.0) {
      all_malformed_ = true;
    } else {
      malformed_threshold_ = static_cast<uint64_t>(threshold);
    }
  }
  (void)tables::tables();  // build the word tables now, not inside the first batch
}

// The uuid's low 64 bits are the RFC 4122 variant ("10") followed by
// permute62(index): a bijection of [0, 2^62), so two indices below 2^62 never
// share a uuid. The high 64 bits are a seeded hash of the index with the
// version nibble forced to 4.
void RandomUserGenerator::append_uuid(uint64_t index, std::string& out) const {
  const uint64_t high = (index_hash(seed_hash_, index, kUuidHighSalt) & ~uint64_t{0xF000}) | 0x4000;
  const uint64_t low = (uint64_t{1} << 63) | permute62(index, mix64(seed_hash_ + 1));
  char hex[32];
  write_hex64(hex, high);
  write_hex64(hex + 16, low);
  char text[36] = {};  // 8-4-4-4-12
  std::memcpy(text, hex, 8);
  text[8] = '-';
  std::memcpy(text + 9, hex + 8, 4);
  text[13] = '-';
  std::memcpy(text + 14, hex + 12, 4);
  text[18] = '-';
  std::memcpy(text + 19, hex + 16, 4);
  text[23] = '-';
  std::memcpy(text + 24, hex + 20, 12);
  out.append(text, sizeof(text));
}

std::string RandomUserGenerator::login_uuid(uint64_t index) const {
  std::string uuid;
  uuid.reserve(36);
  append_uuid(index, uuid);
  return uuid;
}

void RandomUserGenerator::append_user_json(uint64_t index, std::string& out) const {
  append_user(index, Tweaks{}, out);
}

std::string RandomUserGenerator::user_json(uint64_t index) const {
  std::string out;
  out.reserve(kUserJsonReserve);
  append_user_json(index, out);
  return out;
}

void RandomUserGenerator::append_user(uint64_t index, const Tweaks& tweaks, std::string& out) const {
  using WrongType = Tweaks::WrongType;
  const tables::Tables& t = tables::tables();
  Rng rng(index_hash(seed_hash_, index, kUserStreamSalt));
  // Table strings go between quotes as they are when the tables are plain.
  const auto put = [&out, plain = t.plain](std::string_view text) {
    if (plain) {
      out.push_back('"');
      out.append(text);
      out.push_back('"');
    } else {
      append_string(out, text);
    }
  };
  out.reserve(out.size() + kUserJsonReserve);

  const tables::Nationality& nat = pick(rng, t.nationalities);
  const bool female = (rng.next() & 1) != 0;
  const tables::Name& first = pick(rng, female ? nat.female_first : nat.male_first);
  const tables::Name& last = pick(rng, nat.last);
  const bool street_string = rng.percent(kStreetStringPercent);
  const bool with_ms = !rng.percent(kDatesWithoutMsPercent);
  const int extra = rng.percent(kExtraFieldPercent) ? static_cast<int>(rng.below(3)) : -1;

  out.append("{\"gender\":");
  out.append(female ? "\"female\"" : "\"male\"");

  if (tweaks.wrong_type == WrongType::name_number) {
    out.append(",\"name\":");
    append_uint(out, 10 + rng.below(90));
  } else {
    out.append(",\"name\":{\"title\":");
    put(pick(rng, female ? nat.female_titles : nat.male_titles));
    out.append(",\"first\":");
    if (tweaks.invalid_utf8_first) {
      // After the first code point: "J\xC3(ürgen" keeps the rest valid UTF-8.
      std::string bad = first.display;
      size_t at = std::min<size_t>(1, bad.size());
      while (at < bad.size() && (static_cast<unsigned char>(bad[at]) & 0xC0) == 0x80) ++at;
      bad.insert(at, "\xC3\x28");
      append_string(out, bad);
    } else {
      put(first.display);
    }
    out.append(",\"last\":");
    put(last.display);
    if (extra == 1) {  // a nested key the processor does not know
      out.append(",\"middle\":");
      put(pick(rng, female ? nat.female_first : nat.male_first).display);
    }
    out.push_back('}');
  }

  out.append(",\"location\":{\"street\":");
  const uint32_t street_number = 1 + rng.below(9999);
  const uint32_t street_index = rng.below(static_cast<uint32_t>(nat.streets.size()));
  if (street_string) {
    std::string flat;  // "8929 valwood pkwy"
    append_uint(flat, street_number);
    flat.push_back(' ');
    flat.append(nat.streets_lower[street_index]);
    put(flat);
  } else {
    out.append("{\"number\":");
    append_uint(out, street_number);
    out.append(",\"name\":");
    put(nat.streets[street_index]);
    out.push_back('}');
  }
  out.append(",\"city\":");
  put(pick(rng, nat.cities));
  out.append(",\"state\":");
  put(pick(rng, nat.states));
  out.append(",\"country\":");
  put(nat.country);
  out.append(",\"postcode\":");
  if (!nat.postcode_is_number) out.push_back('"');
  append_pattern(out, nat.postcode, rng);
  if (!nat.postcode_is_number) out.push_back('"');
  out.append(",\"coordinates\":{\"latitude\":\"");
  append_fixed4(out, static_cast<int64_t>(rng.below(1800001)) - 900000);
  out.append("\",\"longitude\":\"");
  append_fixed4(out, static_cast<int64_t>(rng.below(3600001)) - 1800000);
  out.append("\"},\"timezone\":{\"offset\":");
  const tables::Timezone& tz = pick(rng, t.timezones);
  put(tz.offset);
  out.append(",\"description\":");
  put(tz.description);
  out.append("}}");

  out.append(",\"email\":");
  if (t.plain) {
    out.push_back('"');
    out.append(first.email);
    out.push_back('.');
    out.append(last.email);
    out.append("@example.com\"");
  } else {
    append_string(out, first.email + "." + last.email + "@example.com");
  }

  out.append(",\"login\":{");
  if (!tweaks.omit_uuid) {
    out.append("\"uuid\":\"");
    append_uuid(index, out);
    out.append("\",");
  }
  std::string username(pick(rng, t.adjectives));
  username.append(pick(rng, t.animals));
  append_uint(username, 100 + rng.below(900));
  out.append("\"username\":");
  put(username);  // adjective + animal + 3 digits; short enough to stay in SSO most of the time
  out.append(",\"password\":");
  put(pick(rng, t.passwords));
  out.append(",\"salt\":\"");
  static constexpr std::string_view kSaltChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int i = 0; i < 8; ++i) out.push_back(kSaltChars[rng.small(kSaltChars.size())]);
  out.append("\",\"md5\":\"");
  append_hex(out, rng, 32);
  out.append("\",\"sha1\":\"");
  append_hex(out, rng, 40);
  out.append("\",\"sha256\":\"");
  append_hex(out, rng, 64);
  out.append("\"}");

  // Ages 18 to 77 at the reference; registered at least 10 years after birth,
  // within the last 20 years.
  const int64_t dob_ms = kReferenceMs - 18 * kYearMs - static_cast<int64_t>(rng.below64(60 * kYearMs));
  const int64_t registered_span = std::min<int64_t>(20 * kYearMs, kReferenceMs - dob_ms - 10 * kYearMs);
  const int64_t registered_ms = kReferenceMs - static_cast<int64_t>(rng.below64(registered_span));
  out.append(",\"dob\":");
  append_dated(out, dob_ms, with_ms,
               tweaks.wrong_type == WrongType::age_string ? DateFault::age_string : DateFault::none);
  if (extra == 2) {  // another unknown nested key, inside dob
    out.pop_back();
    out.append(",\"zodiac\":\"");
    static constexpr std::string_view kSigns[] = {"aries", "taurus", "gemini", "cancer",
                                                  "leo",   "virgo",  "libra",  "scorpio"};
    out.append(kSigns[rng.below(8)]);
    out.append("\"}");
  }
  out.append(",\"registered\":");
  append_dated(out, registered_ms, with_ms,
               tweaks.wrong_type == WrongType::date_number ? DateFault::date_number : DateFault::none);

  out.append(",\"phone\":\"");
  append_pattern(out, nat.phone, rng);
  out.append("\",\"cell\":\"");
  append_pattern(out, nat.cell, rng);
  out.append("\",\"id\":{\"name\":");
  put(nat.id_name);
  out.append(",\"value\":");
  if (nat.id_name.empty()) {
    out.append("null");
  } else {
    out.push_back('"');
    append_pattern(out, nat.id_pattern, rng);
    out.push_back('"');
  }

  const std::string_view folder = female ? "women/" : "men/";
  const uint32_t portrait = rng.below(100);
  out.append("},\"picture\":{");
  static constexpr std::string_view kSizes[][2] = {
      {"\"large\":\"", ""}, {",\"medium\":\"", "med/"}, {",\"thumbnail\":\"", "thumb/"}};
  for (const auto& size : kSizes) {
    out.append(size[0]);
    out.append("https://randomuser.me/api/portraits/");
    out.append(size[1]);
    out.append(folder);
    append_uint(out, portrait);
    out.append(".jpg\"");
  }
  out.append("},\"nat\":\"");
  out.append(nat.code);
  out.push_back('"');
  if (extra == 0) {  // an unknown top-level key
    out.append(",\"cursor\":\"");
    append_hex(out, rng, 16);
    out.push_back('"');
  }
  if (tweaks.padding_bytes > 0) {
    out.append(",\"padding\":\"");
    out.append(tweaks.padding_bytes, 'x');
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace kascade
