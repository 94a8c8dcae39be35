// core/dead_letter.h: a record the pipeline could not land, with why and where from.
#pragma once

#include <array>
#include <cstdint>
#include <string>

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

}  // namespace kascade
