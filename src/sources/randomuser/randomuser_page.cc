// sources/randomuser/randomuser_page.cc: simdjson On-Demand walk of a results page, copying raw user bytes.
#include "sources/randomuser/randomuser_page.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace kascade {
namespace {

using simdjson::ondemand::object;

Error malformed(std::string_view what) { return Error::make(Errc::corrupt, std::string(what)); }
Error malformed(std::string_view what, simdjson::error_code code) {
  return Error::make(Errc::corrupt, fmt::format("{}: {}", what, simdjson::error_message(code)));
}

// login.uuid of a user, or "" when it is missing or not a string.
std::string login_uuid(object& user) {
  std::string_view uuid;
  object login;
  if (user.find_field_unordered("login").get_object().get(login) != simdjson::SUCCESS) return {};
  if (login.find_field_unordered("uuid").get_string().get(uuid) != simdjson::SUCCESS) return {};
  return std::string(uuid);
}

}  // namespace

struct RandomUserPageParser::Impl {
  simdjson::ondemand::parser parser;
};

RandomUserPageParser::RandomUserPageParser() : impl_(new Impl) {}
RandomUserPageParser::~RandomUserPageParser() { delete impl_; }

Result<std::vector<RawUser>> RandomUserPageParser::parse(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (auto error = impl_->parser.iterate(body.data(), body.size(), body.capacity()).get(doc)) {
    return malformed("not JSON", error);
  }
  object top;
  if (auto error = doc.get_object().get(top)) return malformed("not a JSON object", error);

  std::vector<RawUser> users;
  bool saw_results = false;
  for (auto field : top) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return malformed("bad key", error);
    if (key == "error") {
      // The real API answers {"error": "..."} (with status 200) when it fails.
      std::string_view message;
      if (field.value().get_string().get(message) != simdjson::SUCCESS) message = "(not a string)";
      return malformed(fmt::format("the API answered an error: {}", message.substr(0, 200)));
    }
    if (key != "results") continue;  // info and unknown keys: skipped by the iteration
    saw_results = true;
    simdjson::ondemand::array results;
    if (auto error = field.value().get_array().get(results)) return malformed("results is not an array", error);
    for (auto element : results) {
      object user;
      if (auto error = element.get_object().get(user)) return malformed("a result is not an object", error);
      RawUser raw{.key = login_uuid(user), .json = {}};
      // raw_json() takes the object from its first byte, wherever the lookup left the iterator.
      bool empty = false;
      if (auto error = user.reset().get(empty)) return malformed("a result is not valid JSON", error);
      std::string_view bytes;
      if (auto error = user.raw_json().get(bytes)) return malformed("a result is not valid JSON", error);
      // The view runs to the next token: drop the whitespace of a pretty-printed body.
      while (!bytes.empty() &&
             (bytes.back() == ' ' || bytes.back() == '\n' || bytes.back() == '\r' || bytes.back() == '\t')) {
        bytes.remove_suffix(1);
      }
      raw.json.assign(bytes);
      users.push_back(std::move(raw));
    }
  }
  // At the end, current_location() is out of bounds; anything else is trailing bytes.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return malformed("trailing bytes after the JSON object");
  }
  if (!saw_results) return malformed("no results array");
  return users;
}

}  // namespace kascade
