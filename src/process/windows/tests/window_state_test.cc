// Checkpoints: a restored aggregator continues exactly; the state encoding is compact and lossless.
#include <gtest/gtest.h>

#include <random>

#include "process/windows/hyperloglog.h"
#include "process/windows/tests/window_test_support.h"

namespace kascade {
namespace {

using window_test::CheckpointStore;
using window_test::feed;
using window_test::full_plan;
using window_test::Person;
using window_test::ResultTable;

std::vector<Person> people(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  const char* countries[] = {"FR", "DE", "ES", "BR", "US"};
  std::vector<Person> out;
  int64_t clock[2] = {0, 0};
  for (size_t i = 0; i < n; ++i) {
    Person p;
    p.partition = static_cast<int32_t>(rng() % 2);
    clock[p.partition] += rng() % 20;
    p.event_ms = clock[p.partition] - static_cast<int64_t>(rng() % 300);  // out of order, some late
    p.country = countries[rng() % 5];
    p.gender = rng() % 2 ? "female" : "male";
    p.age = 18 + static_cast<int>(rng() % 60);
    p.name = "n" + std::to_string(rng() % 50);
    out.push_back(p);
  }
  return out;
}

TEST(WindowState, RestoredFromACheckpointTheResultsAreThoseOfAnUninterruptedRun) {
  const WindowPlan plan = full_plan(1000, 500, 100);
  const TableSchema schema = results_schema(plan, window_test::input_schema()).value();
  const auto input = people(20000, 7);

  ResultTable straight;
  {
    WindowAggregator windows(plan, schema, 2);
    for (const Person& p : input) feed(windows, p);
    WindowDelta delta(&schema);
    windows.take_changes(delta);
    windows.emit_open(delta);
    straight.apply(delta.results, 1);
  }

  // The same input, "crashing" every 3,001 records: what was not checkpointed
  // is lost and replayed from the last checkpoint (as offsets would resume).
  ResultTable restarted;
  CheckpointStore store;
  size_t next = 0;
  int restarts = 0;
  while (next < input.size()) {
    WindowAggregator windows(plan, schema, 2);
    ASSERT_TRUE(windows.restore(store.checkpoint()).ok());
    const size_t crash_at = std::min(input.size(), next + 3001);
    size_t checkpointed = next;
    for (size_t i = next; i < crash_at; ++i) {
      feed(windows, input[i]);
      if ((i + 1) % 1000 == 0 || i + 1 == input.size()) {  // a sink batch: delta + offsets, atomically
        WindowDelta delta(&schema);
        windows.take_changes(delta);
        if (i + 1 == input.size()) windows.emit_open(delta);
        store.apply(delta);
        restarted.apply(delta.results, 1);
        checkpointed = i + 1;
      }
    }
    next = checkpointed;
    ++restarts;
  }
  EXPECT_GT(restarts, 5);
  EXPECT_EQ(restarted.rows.size(), straight.rows.size());
  for (const auto& [key, row] : straight.rows) {
    ASSERT_TRUE(restarted.rows.count(key)) << key.first << " " << key.second;
    const auto& got = restarted.rows.at(key);
    ASSERT_EQ(got.values.size(), row.values.size());
    for (size_t i = 0; i < row.values.size(); ++i) {
      ASSERT_EQ(got.values[i].has_value(), row.values[i].has_value());
      if (row.values[i]) {
        EXPECT_DOUBLE_EQ(*got.values[i], *row.values[i]) << key.first << " " << key.second << " " << i;
      }
    }
    EXPECT_EQ(got.closed, row.closed);
  }
}

TEST(WindowState, AGroupOfTheFlagshipAggregatesEncodesInAFewBytes) {
  WindowPlan plan = full_plan(60000, 60000, 0);
  plan.aggregates =
      parse_aggregates("users=count, female=count(gender=female), male=count(gender=male), avg_age=avg(age)").value();
  const TableSchema schema = results_schema(plan, window_test::input_schema()).value();
  WindowAggregator windows(plan, schema, 1);
  std::string key;
  group_key::append_text(key, "FR");
  for (int i = 0; i < 1000; ++i) {
    const AggregateInput inputs[] = {{true, 0, {}}, {i % 2 == 0, 0, {}}, {i % 2 == 1, 0, {}}, {true, 40, {}}};
    windows.add(0, 1000 + i, key, inputs);
  }
  WindowDelta delta(&schema);
  windows.take_changes(delta);
  ASSERT_EQ(delta.states.size(), 1u);
  // Three counts as 2-byte varints, avg as count + 8-byte sum.
  EXPECT_EQ(delta.states[0].state.size(), 2u + 2u + 2u + 2u + 8u);
  EXPECT_EQ(delta.states[0].group_key.size(), 4u);  // tag, length, "FR"
}

TEST(WindowState, ApproximateDistinctIsWithinFourPercentAndSurvivesACheckpoint) {
  WindowPlan plan = full_plan(60000, 60000, 0);
  plan.aggregates = parse_aggregates("exact=count_distinct(name), approx=approx_count_distinct(name)").value();
  const TableSchema schema = results_schema(plan, window_test::input_schema()).value();
  for (const size_t distinct : {100u, 5000u, 200000u}) {
    WindowAggregator windows(plan, schema, 1);
    std::string key;
    group_key::append_text(key, "FR");
    for (size_t i = 0; i < distinct * 2; ++i) {
      const std::string name = "user-" + std::to_string(i % distinct);
      const AggregateInput inputs[] = {{true, 0, name}, {true, 0, name}};
      windows.add(0, 1000, key, inputs);
    }
    WindowDelta delta(&schema);
    windows.take_changes(delta);
    CheckpointStore store;
    store.apply(delta);
    WindowAggregator restored(plan, schema, 1);
    ASSERT_TRUE(restored.restore(store.checkpoint()).ok());
    WindowDelta results(&schema);
    restored.emit_open(results);
    ASSERT_EQ(results.results.rows(), 1u);
    const auto exact = results.results.get(0, 3).as.integer;
    const auto approx = static_cast<double>(results.results.get(0, 4).as.integer);
    EXPECT_EQ(exact, static_cast<int64_t>(distinct));
    EXPECT_NEAR(approx, static_cast<double>(distinct), 0.04 * static_cast<double>(distinct)) << distinct;
  }
}

TEST(WindowState, ACorruptStateIsRefused) {
  const WindowPlan plan = full_plan(1000, 1000, 0);
  const TableSchema schema = results_schema(plan, window_test::input_schema()).value();
  WindowAggregator windows(plan, schema, 1);
  WindowCheckpoint checkpoint;
  checkpoint.states.push_back({0,
                               "t\x02"
                               "FR",
                               "\x05"});
  const Status status = windows.restore(checkpoint);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::corrupt);
}

}  // namespace
}  // namespace kascade
