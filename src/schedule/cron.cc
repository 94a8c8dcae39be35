// schedule/cron.cc: parsing and next-fire search of five-field cron expressions.
#include "schedule/cron.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace kascade {
namespace {

using namespace std::chrono;

struct FieldSpec {
  const char* name;
  int min, max;
};
constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59}, {"hour", 0, 23}, {"day-of-month", 1, 31}, {"month", 1, 12}, {"day-of-week", 0, 7}};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<int> parse_number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Sets the bits of one field; `wildcard` tells whether the field was a bare `*`.
Status parse_field(std::string_view text, const FieldSpec& spec, std::vector<bool>& bits, bool& wildcard) {
  auto fail = [&](std::string_view why) {
    return Error::make(Errc::invalid_argument,
                       fmt::format("cron {} field '{}': {} (allowed {}-{})", spec.name, text, why, spec.min, spec.max));
  };
  wildcard = text == "*";
  for (std::string_view item : split(text, ',')) {
    int step = 1;
    bool stepped = false;
    if (const size_t slash = item.find('/'); slash != std::string_view::npos) {
      auto parsed = parse_number(item.substr(slash + 1));
      if (!parsed || *parsed < 1) return fail("the step must be a positive number");
      step = *parsed;
      stepped = true;
      item = item.substr(0, slash);
    }
    int low = spec.min, high = spec.max;
    if (item != "*") {
      const size_t dash = item.find('-');
      auto first = parse_number(item.substr(0, dash));
      if (!first) return fail("expected *, a number or a range a-b");
      low = *first;
      // "a/n" runs from a to the field's maximum; a bare "a" is one value.
      high = stepped ? spec.max : low;
      if (dash != std::string_view::npos) {
        auto last = parse_number(item.substr(dash + 1));
        if (!last) return fail("expected a range a-b");
        high = *last;
      }
      if (low < spec.min || high > spec.max) return fail("value out of range");
      if (low > high) return fail("the range runs backwards");
    }
    for (int value = low; value <= high; value += step) bits[static_cast<size_t>(value)] = true;
  }
  return ok_status();
}

// The five fields a macro stands for; nullopt when `name` is not one.
std::optional<std::string_view> macro_fields(std::string_view name) {
  struct Macro {
    std::string_view name, fields;
  };
  static constexpr Macro kMacros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                                      {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                                      {"@hourly", "0 * * * *"}};
  for (const Macro& macro : kMacros) {
    if (macro.name == name) return macro.fields;
  }
  return std::nullopt;
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  std::string_view trimmed = expression;
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  if (!trimmed.empty() && trimmed.front() == '@') {
    auto fields = macro_fields(trimmed);
    if (!fields) {
      return Error::make(Errc::invalid_argument,
                         fmt::format("cron expression '{}': unknown macro (expected @yearly, @annually, @monthly, "
                                     "@weekly, @daily, @midnight or @hourly)",
                                     expression));
    }
    auto schedule = parse(*fields);
    if (schedule) schedule->expression_ = std::string(expression);
    return schedule;
  }
  std::vector<std::string_view> fields;
  for (std::string_view part : split(expression, ' ')) {
    if (!part.empty()) fields.push_back(part);
  }
  if (fields.size() != 5) {
    return Error::make(Errc::invalid_argument,
                       fmt::format("cron expression '{}': expected 5 fields (minute hour day-of-month month "
                                   "day-of-week), got {}",
                                   expression, fields.size()));
  }
  CronSchedule schedule;
  schedule.expression_ = std::string(expression);
  bool wildcard[5];
  std::vector<bool> bits[5];
  for (int i = 0; i < 5; ++i) {
    bits[i].assign(static_cast<size_t>(kFields[i].max) + 1, false);
    if (auto status = parse_field(fields[static_cast<size_t>(i)], kFields[i], bits[i], wildcard[i]); !status) {
      return status.error();
    }
  }
  for (size_t v = 0; v < 60; ++v) schedule.minutes_[v] = bits[0][v];
  for (size_t v = 0; v < 24; ++v) schedule.hours_[v] = bits[1][v];
  for (size_t v = 1; v <= 31; ++v) schedule.days_of_month_[v] = bits[2][v];
  for (size_t v = 1; v <= 12; ++v) schedule.months_[v] = bits[3][v];
  for (size_t v = 0; v < 7; ++v) schedule.days_of_week_[v] = bits[4][v];
  if (bits[4][7]) schedule.days_of_week_[0] = true;  // 7 is Sunday too
  schedule.any_day_of_month_ = wildcard[2];
  schedule.any_day_of_week_ = wildcard[4];
  return schedule;
}

bool CronSchedule::day_matches(year_month_day date) const {
  if (!months_[static_cast<unsigned>(date.month())]) return false;
  const bool by_month_day = days_of_month_[static_cast<unsigned>(date.day())];
  const bool by_week_day = days_of_week_[weekday(sys_days(date)).c_encoding()];
  if (any_day_of_month_ && any_day_of_week_) return true;
  if (any_day_of_month_) return by_week_day;
  if (any_day_of_week_) return by_month_day;
  return by_month_day || by_week_day;
}

std::optional<sys_seconds> CronSchedule::next_fire(sys_seconds after) const {
  // Start at the next whole minute, then walk day by day (at most ~5 years).
  const sys_seconds start = floor<minutes>(after) + minutes(1);
  sys_days day = floor<days>(start);
  for (int i = 0; i < 5 * 366 + 1; ++i, day += days(1)) {
    if (!day_matches(year_month_day(day))) continue;
    for (int hour = 0; hour < 24; ++hour) {
      if (!hours_[static_cast<size_t>(hour)]) continue;
      for (int minute = 0; minute < 60; ++minute) {
        if (!minutes_[static_cast<size_t>(minute)]) continue;
        const sys_seconds candidate = day + hours(hour) + minutes(minute);
        if (candidate >= start) return candidate;
      }
    }
  }
  return std::nullopt;
}

}  // namespace kascade
