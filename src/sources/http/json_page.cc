// sources/http/json_page.cc: validate with simdjson DOM, copy record bytes with On-Demand.
//
// Two passes over a page: the DOM pass validates the whole body and reads
// keys and the cursor through JSON pointers; the On-Demand pass copies each
// record's bytes exactly as sent (the DOM only knows values, and writing
// them back could change numbers and escapes).
#include "sources/http/json_page.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace kascade {
namespace {

Error malformed(std::string_view what) { return Error::make(Errc::corrupt, std::string(what)); }
Error malformed(std::string_view what, simdjson::error_code code) {
  return Error::make(Errc::corrupt, fmt::format("{}: {}", what, simdjson::error_message(code)));
}

// A key or cursor value as text: strings as they are, numbers as written, null/missing as "".
std::string scalar_text(simdjson::dom::element element) {
  if (element.is_string()) return std::string(element.get_string().value_unsafe());
  if (element.is_int64()) return std::to_string(element.get_int64().value_unsafe());
  if (element.is_uint64()) return std::to_string(element.get_uint64().value_unsafe());
  if (element.is_double()) return fmt::format("{}", element.get_double().value_unsafe());
  if (element.is_bool()) return element.get_bool().value_unsafe() ? "true" : "false";
  return {};
}

std::string_view trim_trailing_space(std::string_view bytes) {
  while (!bytes.empty() && (bytes.back() == ' ' || bytes.back() == '\n' || bytes.back() == '\r' ||
                            bytes.back() == '\t' || bytes.back() == ',')) {
    bytes.remove_suffix(1);
  }
  return bytes;
}

}  // namespace

struct JsonPageParser::Impl {
  simdjson::dom::parser dom;
  simdjson::ondemand::parser ondemand;
};

JsonPageParser::JsonPageParser(JsonPageLayout layout) : layout_(std::move(layout)), impl_(new Impl) {}
JsonPageParser::~JsonPageParser() { delete impl_; }

Result<JsonPage> JsonPageParser::parse(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING)
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::element root;
  if (auto error = impl_->dom.parse(body.data(), body.size(), false).get(root)) return malformed("not JSON", error);
  simdjson::dom::element found;
  if (auto error = root.at_pointer(layout_.records_pointer).get(found)) {
    return Error::make(Errc::not_found, fmt::format("no records array at '{}': {}", layout_.records_pointer,
                                                    simdjson::error_message(error)));
  }
  simdjson::dom::array records;
  if (auto error = found.get_array().get(records)) {
    return malformed(fmt::format("no records array at '{}'", layout_.records_pointer), error);
  }

  JsonPage page;
  page.records.reserve(records.size());
  for (simdjson::dom::element record : records) {
    if (!record.is_object()) return malformed("a record is not a JSON object");
    JsonRecord out;
    if (!layout_.key_pointer.empty()) {
      simdjson::dom::element key;
      if (record.at_pointer(layout_.key_pointer).get(key) == simdjson::SUCCESS) out.key = scalar_text(key);
    }
    page.records.push_back(std::move(out));
  }
  if (!layout_.cursor_pointer.empty()) {
    simdjson::dom::element cursor;
    if (root.at_pointer(layout_.cursor_pointer).get(cursor) == simdjson::SUCCESS) {
      page.cursor_present = true;
      std::string text = scalar_text(cursor);
      if (!text.empty()) page.next_cursor = std::move(text);
    }
  }

  // The bytes of each record, in the same order.
  simdjson::ondemand::document doc;
  if (auto error = impl_->ondemand.iterate(body.data(), body.size(), body.capacity()).get(doc)) {
    return malformed("not JSON", error);
  }
  simdjson::ondemand::array array;
  if (auto error = doc.at_pointer(layout_.records_pointer).get_array().get(array)) {
    return malformed("records array unreadable", error);
  }
  size_t index = 0;
  for (auto element : array) {
    simdjson::ondemand::object object;
    std::string_view bytes;
    if (auto error = element.get_object().get(object)) return malformed("a record is not a JSON object", error);
    if (auto error = object.raw_json().get(bytes)) return malformed("a record is not valid JSON", error);
    if (index >= page.records.size()) return malformed("records array changed between passes");
    page.records[index++].json.assign(trim_trailing_space(bytes));
  }
  if (index != page.records.size()) return malformed("records array changed between passes");
  return page;
}

}  // namespace kascade
