// bus/kafka/kafka_options.cc: the properties passthrough and secret redaction.
#include "bus/kafka/kafka_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "config/option_table.h"
#include "core/text.h"

namespace kascade {

Result<KafkaProperties> parse_kafka_properties(std::string_view text) {
  KafkaProperties properties;
  while (!text.empty()) {
    const size_t end = std::min(text.find(';'), text.size());
    const std::string_view entry = trim(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (entry.empty()) continue;
    const size_t equals = entry.find('=');
    const std::string_view key = trim(entry.substr(0, std::min(equals, entry.size())));
    if (equals == std::string_view::npos || key.empty()) {
      // Never echo the entry itself: it may be a secret.
      return Error::make(Errc::config, fmt::format("expected key=value entries separated by "
                                                   "';', got an entry without '=' (entry {})",
                                                   properties.size() + 1));
    }
    properties.emplace_back(std::string(key), std::string(trim(entry.substr(equals + 1))));
  }
  return properties;
}

bool is_secret_property(std::string_view key) { return is_secret_key(key); }

std::string redact_secrets(std::string text, const KafkaProperties& properties) {
  for (const auto& [key, value] : properties) {
    if (value.empty() || !is_secret_property(key)) continue;
    for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
      text.replace(at, value.size(), "[redacted]");
      at += 10;
    }
  }
  return text;
}

}  // namespace kascade
