// Next fire times of cron expressions, and rejection of malformed ones.
#include "schedule/cron.h"

#include <gtest/gtest.h>

#include "core/timestamp.h"

namespace kascade {
namespace {

using std::chrono::sys_seconds;

sys_seconds at(const char* iso) { return sys_seconds(std::chrono::seconds(*parse_iso8601_ms(iso) / 1000)); }

std::string next(const char* expression, const char* after) {
  auto schedule = CronSchedule::parse(expression);
  EXPECT_TRUE(schedule.ok()) << (schedule.ok() ? "" : schedule.error().message);
  auto fire = schedule->next_fire(at(after));
  if (!fire) return "never";
  return format_iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(fire->time_since_epoch()).count());
}

TEST(CronTest, DailyAtThreeFiresTheSameDayOrTheNext) {
  EXPECT_EQ(next("0 3 * * *", "2026-11-21T01:15:00.000Z"), "2026-11-21T03:00:00.000Z");
  EXPECT_EQ(next("0 3 * * *", "2026-11-21T03:00:00.000Z"), "2026-11-22T03:00:00.000Z") << "strictly after";
  EXPECT_EQ(next("0 3 * * *", "2026-12-31T04:00:00.000Z"), "2027-01-01T03:00:00.000Z");
}

TEST(CronTest, StepsListsAndRanges) {
  EXPECT_EQ(next("*/15 * * * *", "2026-11-21T10:07:30.000Z"), "2026-11-21T10:15:00.000Z");
  EXPECT_EQ(next("*/15 * * * *", "2026-11-21T10:45:00.000Z"), "2026-11-21T11:00:00.000Z");
  EXPECT_EQ(next("5,35 9-17 * * *", "2026-11-21T17:40:00.000Z"), "2026-11-22T09:05:00.000Z");
  EXPECT_EQ(next("10-50/20 * * * *", "2026-11-21T10:31:00.000Z"), "2026-11-21T10:50:00.000Z");
  EXPECT_EQ(next("30/10 * * * *", "2026-11-21T10:51:00.000Z"), "2026-11-21T11:30:00.000Z") << "a/n runs to the max";
  EXPECT_EQ(next("* * * * *", "2026-11-21T10:31:59.000Z"), "2026-11-21T10:32:00.000Z");
}

TEST(CronTest, DaysOfWeekMonthsAndDaysOfMonth) {
  // 2026-11-21 is a Saturday.
  EXPECT_EQ(next("0 0 * * 1-5", "2026-11-21T12:00:00.000Z"), "2026-11-23T00:00:00.000Z") << "next Monday";
  EXPECT_EQ(next("0 0 * * 7", "2026-11-21T12:00:00.000Z"), "2026-11-22T00:00:00.000Z") << "7 is Sunday";
  EXPECT_EQ(next("0 12 1 */3 *", "2026-11-21T00:00:00.000Z"), "2027-01-01T12:00:00.000Z");
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01T00:00:00.000Z"), "2028-02-29T00:00:00.000Z") << "leap day";
  // Both day fields restricted: either one matching fires (the 25th, or a Monday).
  EXPECT_EQ(next("0 0 25 * 1", "2026-11-21T12:00:00.000Z"), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(next("0 0 30 2 *", "2026-01-01T00:00:00.000Z"), "never");
}

TEST(CronTest, MacrosFireAtTheStartOfTheirPeriod) {
  // 2026-11-21 is a Saturday.
  EXPECT_EQ(next("@hourly", "2026-11-21T10:07:30.000Z"), "2026-11-21T11:00:00.000Z");
  EXPECT_EQ(next("@hourly", "2026-11-21T23:00:00.000Z"), "2026-11-22T00:00:00.000Z") << "strictly after";
  EXPECT_EQ(next("@daily", "2026-11-21T10:07:30.000Z"), "2026-11-22T00:00:00.000Z");
  EXPECT_EQ(next("@midnight", "2026-12-31T00:00:00.000Z"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("@weekly", "2026-11-21T10:07:30.000Z"), "2026-11-22T00:00:00.000Z") << "Sunday";
  EXPECT_EQ(next("@weekly", "2026-11-22T00:00:00.000Z"), "2026-11-29T00:00:00.000Z");
  EXPECT_EQ(next("@monthly", "2026-11-21T10:07:30.000Z"), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(next("@monthly", "2026-12-15T00:00:00.000Z"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("@yearly", "2026-11-21T10:07:30.000Z"), "2027-01-01T00:00:00.000Z");
  EXPECT_EQ(next("@annually", "2027-01-01T00:00:00.000Z"), "2028-01-01T00:00:00.000Z");
  EXPECT_EQ(next(" @daily ", "2026-11-21T10:07:30.000Z"), "2026-11-22T00:00:00.000Z") << "spaces around";
}

TEST(CronTest, AMacroKeepsItsNameAsTheExpression) {
  auto daily = CronSchedule::parse("@daily");
  ASSERT_TRUE(daily.ok());
  EXPECT_EQ(daily->expression(), "@daily");
}

TEST(CronTest, UnknownMacrosAreRejected) {
  for (const char* expression : {"@reboot", "@Daily", "@", "@daily 0", "@every 5m"}) {
    auto parsed = CronSchedule::parse(expression);
    ASSERT_FALSE(parsed.ok()) << expression;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find("unknown macro"), std::string::npos) << parsed.error().message;
  }
}

TEST(CronTest, InvalidExpressionsAreRejectedWithTheFieldAtFault) {
  struct Case {
    const char* expression;
    const char* mentions;
  };
  for (const Case& c : {Case{"0 3 * *", "expected 5 fields"}, Case{"0 3 * * * *", "got 6"},
                        Case{"60 * * * *", "minute field '60': value out of range"}, Case{"0 24 * * *", "hour field"},
                        Case{"0 0 0 * *", "day-of-month field"}, Case{"0 0 * 13 *", "month field"},
                        Case{"0 0 * * 8", "day-of-week field"}, Case{"*/0 * * * *", "step must be a positive number"},
                        Case{"10-5 * * * *", "runs backwards"}, Case{"a * * * *", "expected *, a number"},
                        Case{"1,,2 * * * *", "minute field"}, Case{"", "expected 5 fields"}}) {
    auto parsed = CronSchedule::parse(c.expression);
    ASSERT_FALSE(parsed.ok()) << c.expression;
    EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    EXPECT_NE(parsed.error().message.find(c.mentions), std::string::npos)
        << c.expression << " -> " << parsed.error().message;
  }
}

}  // namespace
}  // namespace kascade
