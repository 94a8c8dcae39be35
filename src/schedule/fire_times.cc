// schedule/fire_times.cc: stepping through cron fire times or a fixed interval.
#include "schedule/fire_times.h"

namespace kascade {

using namespace std::chrono;

namespace {

std::optional<SysMs> cron_after(const CronSchedule& schedule, SysMs after) {
  auto fire = schedule.next_fire(floor<seconds>(after));
  if (!fire) return std::nullopt;
  return SysMs(duration_cast<milliseconds>(fire->time_since_epoch()));
}

}  // namespace

FireTimes FireTimes::every(milliseconds interval, SysMs first) {
  FireTimes ticks;
  ticks.interval_ = interval;
  ticks.next_ = first;
  return ticks;
}

FireTimes FireTimes::cron(CronSchedule schedule, SysMs now) {
  FireTimes ticks;
  ticks.next_ = cron_after(schedule, now);
  ticks.cron_ = std::move(schedule);
  return ticks;
}

void FireTimes::advance() {
  if (!next_) return;
  next_ = cron_ ? cron_after(*cron_, *next_) : std::optional<SysMs>(*next_ + interval_);
}

}  // namespace kascade
