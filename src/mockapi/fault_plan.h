// mockapi/fault_plan.h: which injected fault, if any, a request of the mock API gets.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kascade {

enum class FaultKind {
  server_error,       // 500, 502 or 503 (503 with Retry-After)
  too_many_requests,  // 429 with Retry-After
  truncated,          // 200 with the JSON body cut in its middle (valid HTTP, broken JSON)
  malformed,          // 200 with an HTML page, an {"error": ...} answer or invalid UTF-8
  reset,              // headers and half the body, then the connection is dropped
  stall,              // the answer comes only after a long pause (clients time out)
};

const char* fault_kind_name(FaultKind kind);
std::vector<FaultKind> all_fault_kinds();
// "5xx,429,truncated,malformed,reset,stall" (or the names above) -> kinds; "all" = every kind.
Result<std::vector<FaultKind>> parse_fault_kinds(std::string_view list);

// Draws, for each request, whether it fails (probability fail_rate) and
// how (uniformly among the enabled kinds). Seeded: a run is reproducible for
// one client. Thread-safe (the server's worker threads share it).
class FaultPlan {
 public:
  FaultPlan(double fail_rate, std::vector<FaultKind> kinds, uint64_t seed);

  std::optional<FaultKind> next();
  // A number in [0, n) from the same stream (which 5xx, where to cut a body, ...).
  uint64_t pick(uint64_t n);

 private:
  std::mutex mutex_;
  double fail_rate_;
  std::vector<FaultKind> kinds_;
  std::mt19937_64 rng_;
};

}  // namespace kascade
