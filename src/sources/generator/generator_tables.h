// sources/generator/generator_tables.h: the word lists the generator draws users from.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kascade::generator_tables {

// One nationality as written in nationality_data.cc: '|' separates entries;
// in name lists "Display=ascii" gives the ASCII form used in e-mails (for
// scripts other than Latin). Patterns: '#' any digit, 'N' a digit 1-9,
// 'A' an upper-case letter, anything else is copied.
struct RawNationality {
  const char* code;
  const char* country;
  const char* male_first;
  const char* female_first;
  const char* last;
  const char* cities;
  const char* states;
  const char* streets;
  const char* phone;
  const char* cell;
  const char* postcode;  // all-digit patterns become a JSON number
  const char* id_name;   // "" -> id.value is null
  const char* id_pattern;
  const char* male_titles;    // nullptr -> "Mr"
  const char* female_titles;  // nullptr -> "Ms|Mrs|Miss"
};
std::span<const RawNationality> raw_nationalities();

struct Name {
  std::string display;  // as in name.first / name.last
  std::string email;    // lower-case form used in the e-mail address
};

struct Nationality {
  std::string_view code;
  std::string_view country;
  std::vector<Name> male_first;
  std::vector<Name> female_first;
  std::vector<Name> last;
  std::vector<std::string_view> cities;
  std::vector<std::string_view> states;
  std::vector<std::string_view> streets;   // API 1.3+ street.name
  std::vector<std::string> streets_lower;  // the old flat form lower-cases them
  std::vector<std::string_view> male_titles;
  std::vector<std::string_view> female_titles;
  std::string_view phone;
  std::string_view cell;
  std::string_view postcode;
  bool postcode_is_number = false;
  std::string_view id_name;
  std::string_view id_pattern;
};

struct Timezone {
  std::string_view offset;
  std::string_view description;
};

// Everything parsed and ready; built once on first use, immutable after, so
// any number of threads may read it.
struct Tables {
  std::vector<Nationality> nationalities;
  std::vector<Timezone> timezones;
  std::vector<std::string_view> adjectives;  // login.username = adjective + animal + 3 digits
  std::vector<std::string_view> animals;
  std::vector<std::string_view> passwords;
  // True when no string above holds a byte JSON must escape, so the writer
  // may copy them between quotes without scanning (checked when built).
  bool plain = true;
};
const Tables& tables();

// Lower-cases ASCII, Latin-1, Latin Extended-A and basic Cyrillic letters;
// other bytes are copied.
std::string lower_utf8(std::string_view text);

}  // namespace kascade::generator_tables
