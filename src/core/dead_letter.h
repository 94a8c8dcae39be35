// core/dead_letter.h: a record the pipeline could not land, with why and where from.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record.h"

namespace kascade {

// Error classes of dead letters; stable strings, users filter on them.
namespace dead_letter_class {
inline constexpr const char* parse = "parse";            // not JSON, or not UTF-8
inline constexpr const char* validation = "validation";  // JSON, but not the expected shape
inline constexpr const char* too_large = "too_large";    // over processor.max_record_bytes
inline constexpr const char* mapping = "mapping";        // a value could not be converted
inline constexpr const char* sink = "sink";              // the store refused the row
inline constexpr const char* late = "late";              // behind its window's watermark (windows.late_records)
inline constexpr const char* window = "window";          // no usable group-by value (windows.missing_group)
inline constexpr const char* source = "source";          // the source got a body it could not split into records
inline constexpr std::array<const char*, 8> all = {parse, validation, too_large, mapping, sink, late, window, source};
}  // namespace dead_letter_class

// Why a record could not be mapped into a row; error_class is one of dead_letter_class.
struct MappingFailure {
  const char* error_class;
  std::string message;
};

struct DeadLetter {
  std::string key;
  std::string value;  // the original bytes, unchanged
  std::string error_class;
  std::string error_message;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t failed_at_ms = 0;
  int32_t attempts = 1;
};

// The dead letter of `record`, read from `topic`, that failed `now_ms` for the
// first time: its key and bytes copied, its position, one attempt. Every dead
// letter is made here (a replay then sets the attempts it carries).
DeadLetter dead_letter_of(const ConsumedRecord& record, std::string_view topic, std::string_view error_class,
                          std::string message, int64_t now_ms);

// A source that cannot make records of what it got (e.g. a malformed API body)
// still sends the bytes to the bus, marked with the header kSourceErrorHeader
// whose value is source_error_header(reason): "source: <reason>". The
// processor turns such a record into a dead letter (source_dead_letter_of)
// instead of mapping it.
inline constexpr const char* kSourceErrorHeader = "kascade-error";
std::string source_error_header(std::string_view reason);

// The dead letter of a record marked by its source ("<class>: <reason>" in
// kSourceErrorHeader; a value without ": " is both class and reason), or
// nothing when the record carries no such mark.
std::optional<DeadLetter> source_dead_letter_of(const ConsumedRecord& record, std::string_view topic, int64_t now_ms);

}  // namespace kascade
