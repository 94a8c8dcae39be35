// The ticks of --every (a fixed grid) and of --cron (macros included), one after another.
#include "schedule/fire_times.h"

#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace kascade {
namespace {

using namespace std::chrono;

SysMs at(const char* iso) { return SysMs(milliseconds(*parse_iso8601_ms(iso))); }
std::string text(std::optional<SysMs> tick) {
  return tick ? format_iso8601_ms(tick->time_since_epoch().count()) : "never";
}

TEST(FireTimesTest, EveryIsAFixedGridFromTheFirstTick) {
  FireTimes ticks = FireTimes::every(milliseconds(1500), at("2026-11-21T10:00:00.250Z"));
  EXPECT_EQ(text(ticks.next()), "2026-11-21T10:00:00.250Z");
  ticks.advance();
  EXPECT_EQ(text(ticks.next()), "2026-11-21T10:00:01.750Z");
  ticks.advance();
  ticks.advance();
  EXPECT_EQ(text(ticks.next()), "2026-11-21T10:00:04.750Z");
}

TEST(FireTimesTest, CronStepsFromFireTimeToFireTime) {
  FireTimes ticks = FireTimes::cron(*CronSchedule::parse("@hourly"), at("2026-11-21T10:59:59.900Z"));
  EXPECT_EQ(text(ticks.next()), "2026-11-21T11:00:00.000Z");
  ticks.advance();
  EXPECT_EQ(text(ticks.next()), "2026-11-21T12:00:00.000Z");

  FireTimes daily = FireTimes::cron(*CronSchedule::parse("@daily"), at("2026-12-31T00:00:00.000Z"));
  EXPECT_EQ(text(daily.next()), "2027-01-01T00:00:00.000Z") << "strictly after";
  daily.advance();
  EXPECT_EQ(text(daily.next()), "2027-01-02T00:00:00.000Z");

  FireTimes weekly = FireTimes::cron(*CronSchedule::parse("@weekly"), at("2026-11-21T10:00:00.000Z"));
  EXPECT_EQ(text(weekly.next()), "2026-11-22T00:00:00.000Z");
  weekly.advance();
  EXPECT_EQ(text(weekly.next()), "2026-11-29T00:00:00.000Z");
}

TEST(FireTimesTest, ACronThatNeverFiresHasNoTick) {
  FireTimes ticks = FireTimes::cron(*CronSchedule::parse("0 0 30 2 *"), at("2026-01-01T00:00:00.000Z"));
  EXPECT_EQ(text(ticks.next()), "never");
  ticks.advance();
  EXPECT_EQ(text(ticks.next()), "never");
}

}  // namespace
}  // namespace kascade
