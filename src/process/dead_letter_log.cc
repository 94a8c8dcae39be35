// process/dead_letter_log.cc: dead-letter bursts in the operator's log: per class, once per interval.
#include "process/dead_letter_log.h"

#include <fmt/format.h>

#include "core/log.h"

namespace kascade {

void DeadLetterLog::add(const DeadLetter& letter) { add(letter.error_class, letter.error_message, 1); }

void DeadLetterLog::add(std::string_view error_class, std::string_view reason, uint64_t count) {
  if (count == 0) return;
  if (bursts_.empty()) since_ = Clock::now();
  auto it = bursts_.find(error_class);
  if (it == bursts_.end()) it = bursts_.emplace(std::string(error_class), Burst{}).first;
  it->second.count += count;
  it->second.newest_reason.assign(reason);
}

void DeadLetterLog::flush(bool force, Clock::time_point now) {
  if (bursts_.empty()) return;
  if (!force && now - since_ < logging::settings().repeat_interval) return;
  const auto interval_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - since_).count();
  for (const auto& [error_class, burst] : bursts_) {
    logging::warn("processor",
                  fmt::format("{} dead letter{} of class {} in the last {:.1f} s; newest: {}", burst.count,
                              burst.count == 1 ? "" : "s", error_class, static_cast<double>(interval_ms) / 1000.0,
                              burst.newest_reason),
                  {{"event", "dead_letters"},
                   {"class", error_class},
                   {"count", burst.count},
                   {"interval_ms", interval_ms},
                   {"newest_reason", burst.newest_reason}});
  }
  bursts_.clear();
}

}  // namespace kascade
