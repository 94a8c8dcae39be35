// core/window_delta.h: what window aggregation hands the sink with each batch, and gets back on restart.
//
// The sink stores a delta in the same transaction as the batch's rows and
// offsets, so the window state on disk always matches the offsets: a
// restarted processor resumes its windows exactly where the offsets resume.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/row.h"

namespace kascade {

// The serialized state of one group of one open window.
struct WindowStateEntry {
  int64_t window_start = 0;
  std::string group_key;  // process/windows/group_key.h
  std::string state;      // process/windows/group_state.h
};

// Per partition: the highest event time seen (the watermark is this minus the
// allowed lateness) and how many of its records came too late. Partition
// kHorizonPartition holds the end of the last window closed early (at the
// state bound) in max_event_ms.
struct PartitionClock {
  int64_t max_event_ms = 0;
  int64_t late_records = 0;
};
inline constexpr int32_t kHorizonPartition = -1;

// Changes since the previous delta, in the order the sink applies them:
// upsert `results`, delete the state of `closed_windows`, write `states`
// (replacing a group's previous state), write `clocks`.
struct WindowDelta {
  explicit WindowDelta(const TableSchema* results_schema) : results(results_schema) {}

  std::string name;  // which aggregation (its results table)
  RowBatch results;
  std::vector<int64_t> closed_windows;
  std::vector<WindowStateEntry> states;
  std::map<int32_t, PartitionClock> clocks;

  bool empty() const { return results.empty() && closed_windows.empty() && states.empty() && clocks.empty(); }
  void clear() {
    results.clear();
    closed_windows.clear();
    states.clear();
    clocks.clear();
  }
};

// Everything stored for one aggregation: what restore() rebuilds from.
struct WindowCheckpoint {
  std::vector<WindowStateEntry> states;
  std::map<int32_t, PartitionClock> clocks;
};

}  // namespace kascade
