// 1,000,000 records, out of order and partly late, over four interleaved partitions:
// the aggregator's results equal a direct recomputation for every window and group.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "process/windows/tests/window_test_support.h"

namespace kascade {
namespace {

using window_test::feed;
using window_test::Person;

constexpr size_t kRecords = 1'000'000;
constexpr int32_t kPartitions = 4;

// Per partition, event times advance ~1 ms per record with up to 800 ms of
// jitter; 1% of records are stamped 5 s in the past (beyond any lateness).
std::vector<Person> make_input(uint32_t seed) {
  std::mt19937_64 rng(seed);
  const char* countries[] = {"FR", "DE", "ES", "BR", "US", "IE", "NZ", "TR", "IR", "CH"};
  std::vector<Person> out;
  out.reserve(kRecords);
  int64_t clock[kPartitions] = {};
  for (size_t i = 0; i < kRecords; ++i) {
    Person p;
    p.partition = static_cast<int32_t>(rng() % kPartitions);  // random interleaving of partitions
    clock[p.partition] += static_cast<int64_t>(rng() % 3);
    p.event_ms = 1'700'000'000'000 + clock[p.partition] - static_cast<int64_t>(rng() % 800);
    if (rng() % 100 == 0) p.event_ms -= 5000;
    p.country = countries[rng() % 10];
    p.gender = rng() % 2 ? "female" : "male";
    p.age = 18 + static_cast<int>(rng() % 70);
    p.name = "name-" + std::to_string(rng() % 400);
    out.push_back(std::move(p));
  }
  return out;
}

struct Reference {
  int64_t users = 0, female = 0, age_sum = 0, youngest = INT64_MAX, oldest = INT64_MIN;
  std::set<std::string> names;
};

// The definition, computed directly: a record counts in a window covering it
// unless that window ended at or before its partition's max event time so
// far minus the allowed lateness.
std::map<std::pair<int64_t, std::string>, Reference> reference(const std::vector<Person>& input, const WindowPlan& plan,
                                                               size_t& late_records) {
  std::map<std::pair<int64_t, std::string>, Reference> out;
  std::vector<int64_t> max_event(kPartitions, INT64_MIN);
  late_records = 0;
  for (const Person& p : input) {
    int64_t& seen = max_event[static_cast<size_t>(p.partition)];
    bool counted = false;
    for (int64_t start = p.event_ms - p.event_ms % plan.slide_ms; start > p.event_ms - plan.size_ms;
         start -= plan.slide_ms) {
      if (seen != INT64_MIN && start + plan.size_ms <= seen - plan.allowed_lateness_ms) continue;
      counted = true;
      Reference& r = out[{start, p.country}];
      ++r.users;
      r.female += p.gender == "female";
      r.age_sum += p.age;
      r.youngest = std::min<int64_t>(r.youngest, p.age);
      r.oldest = std::max<int64_t>(r.oldest, p.age);
      r.names.insert(p.name);
    }
    late_records += !counted;
    seen = std::max(seen, p.event_ms);
  }
  return out;
}

void expect_equal_to_reference(const WindowPlan& plan) {
  const auto input = make_input(2026);
  const TableSchema schema = results_schema(plan, window_test::input_schema()).value();
  WindowAggregator windows(plan, schema, kPartitions);
  window_test::ResultTable results;
  WindowDelta delta(&schema);
  size_t out_of_order = 0;
  std::vector<int64_t> last(kPartitions, INT64_MIN);
  for (size_t i = 0; i < input.size(); ++i) {
    const Person& p = input[i];
    out_of_order += p.event_ms < last[static_cast<size_t>(p.partition)];
    last[static_cast<size_t>(p.partition)] = std::max(last[static_cast<size_t>(p.partition)], p.event_ms);
    feed(windows, p);
    if ((i + 1) % 5000 == 0) {
      windows.take_changes(delta);
      results.apply(delta.results, 1);
      delta.clear();
    }
  }
  windows.take_changes(delta);
  windows.emit_open(delta);
  results.apply(delta.results, 1);

  size_t late = 0;
  const auto expected = reference(input, plan, late);
  EXPECT_GT(out_of_order, kRecords / 3) << "the input must be out of order to prove anything";
  EXPECT_GT(late, kRecords / 200) << "the input must have late records";
  EXPECT_EQ(windows.stats().late_records, late);
  EXPECT_EQ(windows.stats().forced_closes, 0u);
  EXPECT_GT(windows.stats().windows_closed, 100u);
  ASSERT_EQ(results.rows.size(), expected.size());
  size_t mismatches = 0;
  for (const auto& [key, want] : expected) {
    const auto it = results.rows.find(key);
    ASSERT_NE(it, results.rows.end()) << "missing window " << key.first << " " << key.second;
    const auto& got = it->second.values;
    const std::vector<double> want_values = {double(want.users),       double(want.female),
                                             double(want.age_sum),     double(want.youngest),
                                             double(want.oldest),      double(want.age_sum) / double(want.users),
                                             double(want.names.size())};
    for (size_t a = 0; a < want_values.size(); ++a) {
      if (!got[a] || std::fabs(*got[a] - want_values[a]) > 1e-9 * std::max(1.0, std::fabs(want_values[a]))) {
        if (++mismatches < 10) ADD_FAILURE() << "window " << key.first << " " << key.second << " aggregate " << a;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(WindowReference, TumblingOverAMillionOutOfOrderRecords) {
  expect_equal_to_reference(window_test::full_plan(1000, 1000, 300));
}

TEST(WindowReference, HoppingOverAMillionOutOfOrderRecords) {
  expect_equal_to_reference(window_test::full_plan(2000, 500, 200));
}

}  // namespace
}  // namespace kascade
