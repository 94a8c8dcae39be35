// process/windows/tests/window_test_support.h: plans, inputs, a result collector and an in-memory checkpoint store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/row.h"
#include "core/window_delta.h"
#include "process/windows/group_key.h"
#include "process/windows/window_aggregator.h"
#include "process/windows/window_plan.h"

namespace kascade::window_test {

// A table shaped like the mapped rows the windows read in these tests.
inline const TableSchema& input_schema() {
  static const TableSchema schema{"people",
                                  {{"id", ColumnType::text},
                                   {"country", ColumnType::text},
                                   {"gender", ColumnType::text},
                                   {"age", ColumnType::int32},
                                   {"name", ColumnType::text},
                                   {"at", ColumnType::timestamp}},
                                  {"id"}};
  return schema;
}

// count, count(gender=female), sum(age), min(age), max(age), avg(age), count_distinct(name)
inline WindowPlan full_plan(int64_t size_ms, int64_t slide_ms, int64_t lateness_ms) {
  WindowPlan plan;
  plan.table = "stats";
  plan.event_time = "header.fetched_at";
  plan.group_by = {"country"};
  plan.aggregates = parse_aggregates(
                        "users=count, female=count(gender=female), age_sum=sum(age), youngest=min(age), "
                        "oldest=max(age), avg_age=avg(age), names=count_distinct(name)")
                        .value();
  plan.size_ms = size_ms;
  plan.slide_ms = slide_ms;
  plan.allowed_lateness_ms = lateness_ms;
  return plan;
}

struct Person {
  int32_t partition = 0;
  int64_t event_ms = 0;
  std::string country;
  std::string gender;
  int age = 0;
  std::string name;
};

// Feeds one person straight to the aggregator (as WindowRowReader would for full_plan).
inline Admission feed(WindowAggregator& windows, const Person& p) {
  std::string key;
  group_key::append_text(key, p.country);
  const double age = p.age;
  const AggregateInput inputs[] = {
      {true, 0, {}},     {p.gender == "female", 0, {}},
      {true, age, {}},   {true, age, {}},
      {true, age, {}},   {true, age, {}},
      {true, 0, p.name},
  };
  return windows.add(p.partition, p.event_ms, key, inputs);
}

// One result row: aggregates as doubles (null -> nullopt), plus closed.
struct ResultRow {
  int64_t window_end = 0;
  std::vector<std::optional<double>> values;
  bool closed = false;
};
using ResultKey = std::pair<int64_t, std::string>;  // window_start, first group-by value as text

// Every result row ever emitted; a later row for the same key replaces the earlier (an upsert).
struct ResultTable {
  std::map<ResultKey, ResultRow> rows;
  size_t upserts = 0;

  void apply(const RowBatch& results, size_t group_fields) {
    for (size_t r = 0; r < results.rows(); ++r) {
      std::string group;
      if (group_fields > 0 && results.get(r, 0).kind == Value::Kind::text)
        group = std::string(results.text(results.get(r, 0)));
      ResultRow row;
      const int64_t start = results.get(r, group_fields).as.integer;
      row.window_end = results.get(r, group_fields + 1).as.integer;
      for (size_t c = group_fields + 2; c + 1 < results.columns(); ++c) {
        const Value& v = results.get(r, c);
        if (v.kind == Value::Kind::integer)
          row.values.push_back(static_cast<double>(v.as.integer));
        else if (v.kind == Value::Kind::real)
          row.values.push_back(v.as.real);
        else
          row.values.push_back(std::nullopt);
      }
      row.closed = results.get(r, results.columns() - 1).as.integer == 1;
      rows[{start, group}] = std::move(row);
      ++upserts;
    }
  }
};

// What a sink keeps for one aggregation: applies deltas in order, gives back the checkpoint.
struct CheckpointStore {
  std::map<std::pair<int64_t, std::string>, std::string> states;
  std::map<int32_t, PartitionClock> clocks;

  void apply(const WindowDelta& delta) {
    for (int64_t start : delta.closed_windows) {
      for (auto it = states.lower_bound({start, std::string()}); it != states.end() && it->first.first == start;) {
        it = states.erase(it);
      }
    }
    for (const WindowStateEntry& e : delta.states) states[{e.window_start, e.group_key}] = e.state;
    for (const auto& [partition, clock] : delta.clocks) clocks[partition] = clock;
  }
  WindowCheckpoint checkpoint() const {
    WindowCheckpoint c;
    for (const auto& [key, state] : states) c.states.push_back({key.first, key.second, state});
    c.clocks = clocks;
    return c;
  }
  size_t state_bytes() const {
    size_t bytes = 0;
    for (const auto& [key, state] : states) bytes += key.second.size() + state.size() + 8;
    return bytes;
  }
};

}  // namespace kascade::window_test
