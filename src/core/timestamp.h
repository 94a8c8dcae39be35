// core/timestamp.h: ISO-8601 UTC timestamps <-> milliseconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kascade {

// Parses "YYYY-MM-DDTHH:MM:SS[.fff...][Z|+HH:MM|-HH:MM]" (a space may replace
// the T). Returns nullopt for anything else, including impossible dates.
std::optional<int64_t> parse_iso8601_ms(std::string_view text);

// Appends "YYYY-MM-DDTHH:MM:SS.mmmZ" to out.
void append_iso8601_ms(std::string& out, int64_t epoch_ms);
std::string format_iso8601_ms(int64_t epoch_ms);

int64_t now_ms();

}  // namespace kascade
