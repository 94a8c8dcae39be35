// schedule/fire_times.h: the ticks of a schedule (a cron expression or a fixed interval), one after another.
#pragma once

#include <chrono>
#include <optional>

#include "schedule/cron.h"

namespace kascade {

using SysMs = std::chrono::sys_time<std::chrono::milliseconds>;

// The ticks of `--every` (first, first + interval, first + 2 x interval, ...:
// a fixed grid that a long run does not shift) or of `--cron` (each fire time
// after the previous one). A tick that comes while a run is still going is
// passed over (the scheduler records it as skipped), never run late.
class FireTimes {
 public:
  static FireTimes every(std::chrono::milliseconds interval, SysMs first);
  // The first tick is the cron's first fire time strictly after `now`.
  static FireTimes cron(CronSchedule schedule, SysMs now);

  // The upcoming tick; nullopt when the cron never fires again.
  std::optional<SysMs> next() const { return next_; }
  // Moves to the tick after the upcoming one.
  void advance();

 private:
  FireTimes() = default;
  std::optional<CronSchedule> cron_;
  std::chrono::milliseconds interval_{0};
  std::optional<SysMs> next_;
};

}  // namespace kascade
