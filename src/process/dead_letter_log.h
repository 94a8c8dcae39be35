// process/dead_letter_log.h: dead-letter bursts in the operator's log: per class, once per interval.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "core/dead_letter.h"

namespace kascade {

// Counts the dead letters the sink acknowledged, per class, and logs one line per class once per
// repeat interval (core/log.h): "N dead letters of class C in the last 10.0 s; newest: <reason>".
// Used by the sink thread alone.
class DeadLetterLog {
 public:
  using Clock = std::chrono::steady_clock;

  void add(const DeadLetter& letter);
  void add(std::string_view error_class, std::string_view reason, uint64_t count);
  // Logs what was counted if the interval since the first of them has passed (or `force`).
  void flush(bool force = false, Clock::time_point now = Clock::now());

 private:
  struct Burst {
    uint64_t count = 0;
    std::string newest_reason;
  };
  std::map<std::string, Burst, std::less<>> bursts_;
  Clock::time_point since_{};
};

}  // namespace kascade
