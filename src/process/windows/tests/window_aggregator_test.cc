// Window assignment, watermarks, lateness, closing and the state bounds, on small hand-checked inputs.
#include <gtest/gtest.h>

#include "process/windows/tests/window_test_support.h"

namespace kascade {
namespace {

using window_test::feed;
using window_test::full_plan;
using window_test::Person;
using window_test::ResultTable;

struct Harness {
  explicit Harness(WindowPlan plan, int32_t partitions = 1)
      : schema(results_schema(plan, window_test::input_schema()).value()),
        windows(std::move(plan), schema, partitions) {}
  // Takes the changes (as a sink batch would) and records the results.
  void checkpoint() {
    WindowDelta delta(&schema);
    windows.take_changes(delta);
    results.apply(delta.results, 1);
    closed.insert(closed.end(), delta.closed_windows.begin(), delta.closed_windows.end());
  }
  TableSchema schema;
  WindowAggregator windows;
  ResultTable results;
  std::vector<int64_t> closed;
};

TEST(WindowAggregator, TumblingWindowClosesWhenTheWatermarkPassesItsEnd) {
  Harness h(full_plan(1000, 1000, 0));
  feed(h.windows, {0, 100, "FR", "female", 30, "a"});
  feed(h.windows, {0, 900, "FR", "male", 40, "b"});
  feed(h.windows, {0, 950, "DE", "female", 20, "a"});
  h.checkpoint();
  EXPECT_TRUE(h.results.rows.empty()) << "nothing closes before the watermark passes 1000";
  feed(h.windows, {0, 1000, "FR", "male", 50, "c"});  // watermark 1000: [0, 1000) closes
  h.checkpoint();
  EXPECT_EQ(h.closed, std::vector<int64_t>{0});
  ASSERT_EQ(h.results.rows.size(), 2u);
  const auto& fr = h.results.rows.at({0, "FR"});
  EXPECT_TRUE(fr.closed);
  EXPECT_EQ(fr.window_end, 1000);
  // users, female, sum, min, max, avg, distinct names
  EXPECT_EQ(fr.values, (std::vector<std::optional<double>>{2, 1, 70, 30, 40, 35, 2}));
  EXPECT_EQ(h.results.rows.at({0, "DE"}).values[0], 1);
  EXPECT_EQ(h.windows.open_windows(), 1u);
}

TEST(WindowAggregator, AllowedLatenessKeepsAWindowOpenThenRecordsAreLate) {
  Harness h(full_plan(1000, 1000, 500));
  feed(h.windows, {0, 100, "FR", "female", 30, "a"});
  feed(h.windows, {0, 1400, "FR", "female", 30, "a"});
  EXPECT_EQ(feed(h.windows, {0, 999, "FR", "male", 30, "a"}), Admission::accepted) << "watermark 900 < end 1000";
  feed(h.windows, {0, 1500, "FR", "female", 30, "a"});  // watermark 1000: [0,1000) closes
  EXPECT_EQ(feed(h.windows, {0, 998, "FR", "male", 30, "a"}), Admission::late);
  h.checkpoint();
  EXPECT_EQ(h.results.rows.at({0, "FR"}).values[0], 2);
  EXPECT_EQ(h.windows.stats().late_records, 1u);
}

TEST(WindowAggregator, HoppingWindowsTakeARecordInEachWindowCoveringIt) {
  Harness h(full_plan(3000, 1000, 0));
  feed(h.windows, {0, 2500, "FR", "female", 30, "a"});  // windows starting 0, 1000, 2000
  EXPECT_EQ(h.windows.open_windows(), 3u);
  EXPECT_EQ(h.windows.stats().updates, 3u);
  feed(h.windows, {0, 3000, "FR", "female", 30, "a"});  // watermark 3000: [0,3000) closes
  // 1500 belongs to [0,3000) (closed: skipped) and [1000,4000) (open): counted once.
  EXPECT_EQ(feed(h.windows, {0, 1500, "FR", "male", 10, "b"}), Admission::accepted);
  EXPECT_EQ(h.windows.stats().late_updates, 2u);  // [0,3000) and [-1000,2000)
  feed(h.windows, {0, 10000, "FR", "male", 10, "b"});
  h.checkpoint();
  EXPECT_EQ(h.results.rows.at({0, "FR"}).values[0], 1);
  EXPECT_EQ(h.results.rows.at({1000, "FR"}).values[0], 3);
  EXPECT_EQ(h.results.rows.at({2000, "FR"}).values[0], 2);
  EXPECT_EQ(h.results.rows.at({1000, "FR"}).window_end, 4000);
}

TEST(WindowAggregator, TheSlowestPartitionHoldsWindowsOpenButLatenessIsPerPartition) {
  Harness h(full_plan(1000, 1000, 0), /*partitions=*/2);
  feed(h.windows, {0, 5000, "FR", "female", 30, "a"});
  EXPECT_EQ(h.windows.watermark(), INT64_MIN) << "partition 1 not seen yet";
  feed(h.windows, {1, 200, "FR", "female", 30, "a"});
  EXPECT_EQ(h.windows.watermark(), 200);
  // Late in partition 0 (its watermark is 5000) although [0,1000) is still open.
  EXPECT_EQ(feed(h.windows, {0, 300, "FR", "female", 30, "a"}), Admission::late);
  EXPECT_EQ(feed(h.windows, {1, 300, "FR", "female", 30, "a"}), Admission::accepted);
  feed(h.windows, {1, 6000, "FR", "female", 30, "a"});
  h.checkpoint();
  EXPECT_EQ(h.results.rows.at({0, "FR"}).values[0], 2);
  EXPECT_EQ(h.windows.watermark(), 5000);
  EXPECT_EQ(h.windows.open_windows(), 2u) << "[5000,6000) and [6000,7000) stay open";
}

TEST(WindowAggregator, EmitOpenGivesProvisionalResults) {
  Harness h(full_plan(1000, 1000, 0));
  feed(h.windows, {0, 100, "FR", "female", 30, "a"});
  WindowDelta delta(&h.schema);
  h.windows.emit_open(delta);
  h.results.apply(delta.results, 1);
  ASSERT_EQ(h.results.rows.size(), 1u);
  EXPECT_FALSE(h.results.rows.begin()->second.closed);
  EXPECT_EQ(h.windows.open_windows(), 1u) << "emitting does not close";
}

TEST(WindowAggregator, AtMaxOpenWindowsTheOldestClosesEarlyAndLaterRecordsForItAreLate) {
  WindowPlan plan = full_plan(1000, 1000, 100000);
  plan.max_open_windows = 2;
  Harness h(std::move(plan));
  feed(h.windows, {0, 100, "FR", "female", 30, "a"});
  feed(h.windows, {0, 1100, "FR", "female", 30, "a"});
  feed(h.windows, {0, 2100, "FR", "female", 30, "a"});  // third window: [0,1000) closes early
  EXPECT_EQ(h.windows.stats().forced_closes, 1u);
  EXPECT_EQ(feed(h.windows, {0, 200, "FR", "female", 30, "a"}), Admission::late);
  h.checkpoint();
  EXPECT_EQ(h.closed, std::vector<int64_t>{0});
  EXPECT_EQ(h.results.rows.at({0, "FR"}).values[0], 1);
}

TEST(WindowAggregator, AtMaxGroupsNewGroupsOfTheOldestWindowAreDropped) {
  WindowPlan plan = full_plan(1000, 1000, 100000);
  plan.max_groups = 2;
  Harness h(std::move(plan));
  feed(h.windows, {0, 100, "FR", "female", 30, "a"});
  feed(h.windows, {0, 100, "DE", "female", 30, "a"});
  feed(h.windows, {0, 100, "ES", "female", 30, "a"});  // no older window to close: dropped
  EXPECT_EQ(h.windows.stats().dropped_updates, 1u);
  EXPECT_EQ(h.windows.groups(), 2u);
  feed(h.windows, {0, 1100, "ES", "female", 30, "a"});  // a newer window: the oldest closes early
  EXPECT_EQ(h.windows.stats().forced_closes, 1u);
  EXPECT_EQ(h.windows.groups(), 1u);
}

}  // namespace
}  // namespace kascade
