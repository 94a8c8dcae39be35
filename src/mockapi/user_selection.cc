// mockapi/user_selection.cc: nat/inc/exc over generated users.
#include "mockapi/user_selection.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "sources/generator/generator_tables.h"

namespace kascade {
namespace {

std::vector<std::string> split_list(std::string_view text, bool upper) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    std::string item(text.substr(start, end - start));
    std::erase_if(item, [](unsigned char c) { return std::isspace(c); });
    if (upper) std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::toupper(c); });
    if (!item.empty()) items.push_back(std::move(item));
    start = end + 1;
  }
  return items;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

UserSelection UserSelection::from_params(std::string_view nat, std::string_view inc, std::string_view exc) {
  UserSelection selection;
  // Codes the generator does not know are ignored (none left: every nationality).
  for (auto& code : split_list(nat, true)) {
    const auto& known = generator_tables::tables().nationalities;
    if (std::any_of(known.begin(), known.end(), [&](const auto& n) { return n.code == code; }))
      selection.nationalities_.push_back(std::move(code));
  }
  selection.include_ = split_list(inc, false);
  selection.exclude_ = split_list(exc, false);
  return selection;
}

bool UserSelection::keeps_field(std::string_view name) const {
  if (!include_.empty()) return contains(include_, name);
  return !contains(exclude_, name);
}

std::string UserSelection::nationality_key() const {
  std::string key;
  for (const auto& nat : nationalities_) key += nat + ",";
  return key;
}

bool UserSelection::selects_user(std::string_view user_json) const {
  if (nationalities_.empty()) return true;
  simdjson::dom::parser parser;
  std::string_view nat;
  if (parser.parse(user_json)["nat"].get(nat) != simdjson::SUCCESS) return false;
  return contains(nationalities_, nat);
}

void UserSelection::append_fields(std::string_view user_json, std::string& out) const {
  if (all_fields()) {
    out += user_json;
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object user;
  if (parser.parse(user_json).get(user) != simdjson::SUCCESS) {  // a generated user is always an object
    out += user_json;
    return;
  }
  out += '{';
  bool first = true;
  for (const auto field : user) {
    if (!keeps_field(field.key)) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += field.key;  // the generator's keys are plain ASCII names
    out += "\":";
    out += simdjson::minify(field.value);
  }
  out += '}';
}

std::vector<uint64_t> FilteredIndexCache::indices(const RandomUserGenerator& generator, const UserSelection& selection,
                                                  uint64_t first, uint64_t count) {
  std::vector<uint64_t> result;
  result.reserve(count);
  if (selection.all_users()) {
    for (uint64_t i = 0; i < count; ++i) result.push_back(first + i);
    return result;
  }
  std::lock_guard guard(mutex_);
  Scan& scan = scans_[generator.options().seed + "\n" + selection.nationality_key()];
  std::string json;
  while (scan.found.size() < first + count) {
    json.clear();
    generator.append_user_json(scan.next_index, json);
    if (selection.selects_user(json)) scan.found.push_back(scan.next_index);
    ++scan.next_index;
  }
  for (uint64_t i = first; i < first + count && i < scan.found.size(); ++i) result.push_back(scan.found[i]);
  return result;
}

}  // namespace kascade
