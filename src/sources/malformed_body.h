// sources/malformed_body.h: the record an HTTP source makes of a response body it cannot read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"

namespace kascade {

// Kept of a malformed body: enough to see what came, and under the bus's record
// limit (8 MiB by default).
inline constexpr size_t kMaxMalformedBodyBytes = 4u << 20;

// A record holding `body` (its first kMaxMalformedBodyBytes), marked with
// kSourceErrorHeader "source: malformed body of WHAT: REASON" so that the
// processor dead-letters it; headers `source` and `fetched_at`, then `extra`.
Record malformed_body_record(std::string key, const std::string& body, std::string_view what, std::string_view reason,
                             std::string_view source_name, int64_t fetched_at, std::vector<Header> extra = {});

}  // namespace kascade
