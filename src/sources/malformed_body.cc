// sources/malformed_body.cc: see malformed_body.h.
#include "sources/malformed_body.h"

#include <fmt/format.h>

#include "core/dead_letter.h"

namespace kascade {

Record malformed_body_record(std::string key, const std::string& body, std::string_view what, std::string_view reason,
                             std::string_view source_name, int64_t fetched_at, std::vector<Header> extra) {
  std::string value = body.substr(0, kMaxMalformedBodyBytes);
  std::string error = source_error_header(fmt::format("malformed body of {}: {}", what, reason));
  if (body.size() > value.size()) error += fmt::format(" (body of {} bytes, first {} kept)", body.size(), value.size());
  std::vector<Header> headers = {{"source", std::string(source_name)}, {"fetched_at", std::to_string(fetched_at)}};
  for (Header& header : extra) headers.push_back(std::move(header));
  headers.push_back({kSourceErrorHeader, std::move(error)});
  return Record{
      .key = std::move(key), .value = std::move(value), .headers = std::move(headers), .timestamp_ms = fetched_at};
}

}  // namespace kascade
