// core/dead_letter.cc: the one way a dead letter is made.
#include "core/dead_letter.h"

namespace kascade {

DeadLetter dead_letter_of(const ConsumedRecord& record, std::string_view topic, std::string_view error_class,
                          std::string message, int64_t now_ms) {
  return DeadLetter{.key = std::string(record.key),
                    .value = std::string(record.value),
                    .error_class = std::string(error_class),
                    .error_message = std::move(message),
                    .topic = std::string(topic),
                    .partition = record.partition,
                    .offset = record.offset,
                    .failed_at_ms = now_ms,
                    .attempts = 1};
}

std::string source_error_header(std::string_view reason) {
  std::string value = dead_letter_class::source;
  value += ": ";
  value += reason;
  return value;
}

std::optional<DeadLetter> source_dead_letter_of(const ConsumedRecord& record, std::string_view topic, int64_t now_ms) {
  const std::optional<std::string_view> mark = record.header(kSourceErrorHeader);
  if (!mark) return std::nullopt;
  const size_t colon = mark->find(": ");
  const std::string_view error_class = mark->substr(0, colon);
  const std::string_view reason = colon == std::string_view::npos ? *mark : mark->substr(colon + 2);
  return dead_letter_of(record, topic, error_class, std::string(reason), now_ms);
}

}  // namespace kascade
