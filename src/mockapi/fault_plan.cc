// mockapi/fault_plan.cc: fault names and the seeded draw.
#include "mockapi/fault_plan.h"

#include <fmt/format.h>

namespace kascade {

const char* fault_kind_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::server_error:
      return "5xx";
    case FaultKind::too_many_requests:
      return "429";
    case FaultKind::truncated:
      return "truncated";
    case FaultKind::malformed:
      return "malformed";
    case FaultKind::reset:
      return "reset";
    case FaultKind::stall:
      return "stall";
  }
  return "?";
}

std::vector<FaultKind> all_fault_kinds() {
  return {FaultKind::server_error, FaultKind::too_many_requests,
          FaultKind::truncated,    FaultKind::malformed,
          FaultKind::reset,        FaultKind::stall};
}

Result<std::vector<FaultKind>> parse_fault_kinds(std::string_view list) {
  if (list == "all") return all_fault_kinds();
  std::vector<FaultKind> kinds;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    bool known = false;
    for (const FaultKind kind : all_fault_kinds()) {
      if (name == fault_kind_name(kind)) {
        kinds.push_back(kind);
        known = true;
      }
    }
    if (!known) {
      return Error::make(Errc::invalid_argument,
                         fmt::format("unknown fault '{}' (5xx, 429, truncated, malformed, reset, stall, all)", name));
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return kinds;
}

FaultPlan::FaultPlan(double fail_rate, std::vector<FaultKind> kinds, uint64_t seed)
    : fail_rate_(fail_rate), kinds_(std::move(kinds)), rng_(seed) {}

std::optional<FaultKind> FaultPlan::next() {
  std::lock_guard lock(mutex_);
  if (kinds_.empty() || fail_rate_ <= 0) return std::nullopt;
  if (std::uniform_real_distribution<double>(0.0, 1.0)(rng_) >= fail_rate_) return std::nullopt;
  return kinds_[std::uniform_int_distribution<size_t>(0, kinds_.size() - 1)(rng_)];
}

uint64_t FaultPlan::pick(uint64_t n) {
  std::lock_guard lock(mutex_);
  return n == 0 ? 0 : std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_);
}

}  // namespace kascade
