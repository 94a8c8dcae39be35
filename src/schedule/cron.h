// schedule/cron.h: five-field cron expressions (minute hour day-of-month month day-of-week) and the
// @daily-style macros, in UTC.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kascade {

// Each field accepts `*`, a value, a range `a-b`, a step `*/n`, `a-b/n` or `a/n`,
// and comma-separated lists of these. Day of week: 0-7, both 0 and 7 are Sunday.
// As in classic cron, when both day fields are restricted a day matching either fires.
// The macros @yearly (= @annually, "0 0 1 1 *"), @monthly ("0 0 1 * *"), @weekly
// ("0 0 * * 0"), @daily (= @midnight, "0 0 * * *") and @hourly ("0 * * * *") stand
// for their five fields.
class CronSchedule {
 public:
  static Result<CronSchedule> parse(std::string_view expression);

  // The first fire time strictly after `after` (whole minutes, UTC); nullopt when
  // the expression never fires within the next few years (e.g. "0 0 30 2 *").
  std::optional<std::chrono::sys_seconds> next_fire(std::chrono::sys_seconds after) const;

  const std::string& expression() const { return expression_; }

 private:
  bool day_matches(std::chrono::year_month_day date) const;

  std::string expression_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1-31
  std::bitset<13> months_;         // 1-12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool any_day_of_month_ = true;
  bool any_day_of_week_ = true;
};

}  // namespace kascade
