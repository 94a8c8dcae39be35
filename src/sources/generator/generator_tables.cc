// sources/generator/generator_tables.cc: parses the raw word lists once into ready-to-use tables.
#include "sources/generator/generator_tables.h"

#include <cstdint>
#include <type_traits>

namespace kascade::generator_tables {
namespace {

constexpr Timezone kTimezones[] = {
    {"-12:00", "Eniwetok, Kwajalein"},
    {"-11:00", "Midway Island, Samoa"},
    {"-10:00", "Hawaii"},
    {"-9:00", "Alaska"},
    {"-8:00", "Pacific Time (US & Canada)"},
    {"-7:00", "Mountain Time (US & Canada)"},
    {"-6:00", "Central Time (US & Canada), Mexico City"},
    {"-5:00", "Eastern Time (US & Canada), Bogota, Lima"},
    {"-4:00", "Atlantic Time (Canada), Caracas, La Paz"},
    {"-3:30", "Newfoundland"},
    {"-3:00", "Brazil, Buenos Aires, Georgetown"},
    {"-2:00", "Mid-Atlantic"},
    {"-1:00", "Azores, Cape Verde Islands"},
    {"0:00", "Western Europe Time, London, Lisbon, Casablanca"},
    {"+1:00", "Brussels, Copenhagen, Madrid, Paris"},
    {"+2:00", "Kaliningrad, South Africa"},
    {"+3:00", "Baghdad, Riyadh, Moscow, St. Petersburg"},
    {"+3:30", "Tehran"},
    {"+4:00", "Abu Dhabi, Muscat, Baku, Tbilisi"},
    {"+4:30", "Kabul"},
    {"+5:00", "Ekaterinburg, Islamabad, Karachi, Tashkent"},
    {"+5:30", "Bombay, Calcutta, Madras, New Delhi"},
    {"+5:45", "Kathmandu"},
    {"+6:00", "Almaty, Dhaka, Colombo"},
    {"+7:00", "Bangkok, Hanoi, Jakarta"},
    {"+8:00", "Beijing, Perth, Singapore, Hong Kong"},
    {"+9:00", "Tokyo, Seoul, Osaka, Sapporo, Yakutsk"},
    {"+9:30", "Adelaide, Darwin"},
    {"+10:00", "Eastern Australia, Guam, Vladivostok"},
    {"+11:00", "Magadan, Solomon Islands, New Caledonia"},
    {"+12:00", "Auckland, Wellington, Fiji, Kamchatka"},
};

constexpr const char* kAdjectives =
    "yellow|blue|red|green|purple|orange|silver|golden|black|white|brown|tiny|big|happy|sad|"
    "lazy|crazy|angry|heavy|ticklish|beautiful|organic|smart|ornery|brave|quiet|sleepy|swift";
constexpr const char* kAnimals =
    "peacock|panda|tiger|lion|elephant|koala|rabbit|swan|frog|butterfly|goose|dog|cat|bird|"
    "bear|fish|wolf|leopard|gorilla|ladybug|snake|duck|meercat|zebra|owl|otter|lynx|heron";
constexpr const char* kPasswords =
    "addison|sunshine|dragon|qwerty|monkey|letmein|shadow|master|football|baseball|trustno1|"
    "jordan|hunter|buster|soccer|harley|ranger|tigger|charlie|hockey|starwars|george|computer|"
    "pepper|zxcvbn|freedom|maggie|ginger|princess|cheese|summer|thunder|matrix|123456|"
    "password1|iloveyou|abc123|welcome|snoopy|bandit";

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> parts;
  if (text.empty()) return parts;
  size_t start = 0;
  while (true) {
    const size_t bar = text.find('|', start);
    parts.push_back(text.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return parts;
}

// E-mail local parts drop spaces and apostrophes ("van den Berg" -> "vandenberg").
std::string email_form(std::string_view name) {
  std::string lower = lower_utf8(name);
  std::string out;
  out.reserve(lower.size());
  for (char c : lower) {
    if (c != ' ' && c != '\'') out.push_back(c);
  }
  return out;
}

std::vector<Name> parse_names(std::string_view text) {
  std::vector<Name> names;
  for (std::string_view entry : split(text)) {
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      names.push_back({std::string(entry), email_form(entry)});
    } else {
      names.push_back({std::string(entry.substr(0, eq)), email_form(entry.substr(eq + 1))});
    }
  }
  return names;
}

void append_utf8_2(std::string& out, uint32_t cp) {
  out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
  out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
}

uint32_t lower_code_point(uint32_t cp) {
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return cp + 0x20;  // Latin-1
  if (cp == 0x130) return 'i';                                   // Turkish dotted capital I
  if (cp == 0x178) return 0xFF;
  const bool even_upper = (cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177);
  const bool odd_upper = (cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E);
  if ((even_upper && cp % 2 == 0) || (odd_upper && cp % 2 == 1)) return cp + 1;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;  // Cyrillic Ѐ..Џ
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;  // Cyrillic А..Я
  return cp;
}

bool plain(std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

template <typename List>
bool all_plain(const List& list) {
  for (const auto& item : list) {
    if constexpr (std::is_same_v<std::decay_t<decltype(item)>, Name>) {
      if (!plain(item.display) || !plain(item.email)) return false;
    } else if constexpr (std::is_same_v<std::decay_t<decltype(item)>, Timezone>) {
      if (!plain(item.offset) || !plain(item.description)) return false;
    } else {
      if (!plain(item)) return false;
    }
  }
  return true;
}

bool all_plain(const Tables& t) {
  for (const Nationality& n : t.nationalities) {
    if (!all_plain(n.male_first) || !all_plain(n.female_first) || !all_plain(n.last) || !all_plain(n.cities) ||
        !all_plain(n.states) || !all_plain(n.streets) || !all_plain(n.streets_lower) || !all_plain(n.male_titles) ||
        !all_plain(n.female_titles) || !plain(n.code) || !plain(n.country) || !plain(n.id_name) || !plain(n.phone) ||
        !plain(n.cell) || !plain(n.postcode) || !plain(n.id_pattern)) {
      return false;
    }
  }
  return all_plain(t.timezones) && all_plain(t.adjectives) && all_plain(t.animals) && all_plain(t.passwords);
}

Tables build_tables() {
  Tables t;
  for (const RawNationality& raw : raw_nationalities()) {
    Nationality n;
    n.code = raw.code;
    n.country = raw.country;
    n.male_first = parse_names(raw.male_first);
    n.female_first = parse_names(raw.female_first);
    n.last = parse_names(raw.last);
    n.cities = split(raw.cities);
    n.states = split(raw.states);
    n.streets = split(raw.streets);
    for (std::string_view street : n.streets) n.streets_lower.push_back(lower_utf8(street));
    n.male_titles = split(raw.male_titles ? raw.male_titles : "Mr");
    n.female_titles = split(raw.female_titles ? raw.female_titles : "Ms|Mrs|Miss");
    n.phone = raw.phone;
    n.cell = raw.cell;
    n.postcode = raw.postcode;
    n.postcode_is_number = n.postcode.find_first_not_of("#N") == std::string_view::npos;
    n.id_name = raw.id_name;
    n.id_pattern = raw.id_pattern;
    t.nationalities.push_back(std::move(n));
  }
  t.timezones.assign(std::begin(kTimezones), std::end(kTimezones));
  t.adjectives = split(kAdjectives);
  t.animals = split(kAnimals);
  t.passwords = split(kPasswords);
  t.plain = all_plain(t);
  return t;
}

}  // namespace

std::string lower_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      out.push_back(b0 >= 'A' && b0 <= 'Z' ? static_cast<char>(b0 + 32) : static_cast<char>(b0));
      continue;
    }
    const bool two_byte =
        (b0 & 0xE0) == 0xC0 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80;
    if (!two_byte) {
      out.push_back(static_cast<char>(b0));
      continue;
    }
    const uint32_t cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
    const uint32_t lower = lower_code_point(cp);
    if (lower < 0x80) {
      out.push_back(static_cast<char>(lower));
    } else {
      append_utf8_2(out, lower);
    }
    ++i;
  }
  return out;
}

const Tables& tables() {
  static const Tables kTables = build_tables();
  return kTables;
}

}  // namespace kascade::generator_tables
