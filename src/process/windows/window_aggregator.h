// process/windows/window_aggregator.h: event-time windows, watermarks, lateness and checkpoints.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/window_delta.h"
#include "process/windows/open_window.h"
#include "process/windows/window_plan.h"

namespace kascade {

struct WindowStats {
  uint64_t updates = 0;       // (record, window) accumulations
  uint64_t late_records = 0;  // records none of whose windows was still open
  uint64_t late_updates = 0;  // (record, window) pairs skipped because that window had closed
  uint64_t windows_closed = 0;
  uint64_t forced_closes = 0;    // windows closed early at max_open_windows or max_groups
  uint64_t dropped_updates = 0;  // updates refused at max_groups (no older window left to close)
};

enum class Admission : uint8_t { accepted, late };

// Aggregates records into tumbling or hopping event-time windows.
//
// Watermarks. Each partition's watermark is the highest event time seen in it
// minus the allowed lateness. A record is late for a window when that window's
// end is at or before its partition's watermark (taken before the record), so
// whether a record counts depends only on its partition's order, never on how
// partitions interleave: results are the same on every replay. A window
// closes (its results are final) when the pipeline's watermark, the lowest of
// all partitions' (nothing closes before every partition has been seen),
// passes its end; a closed window's end is then at or before every partition's
// watermark, so no record that counts can reach it.
//
// Bounds. At max_open_windows, or at max_groups over all open windows, the
// oldest window is closed early (counted in forced_closes); records for it
// afterwards are late. If the record's own window is the oldest, the update is
// dropped (dropped_updates). Either case means results are no longer exact;
// size the bounds so they are not reached.
//
// Used by the processor thread only.
class WindowAggregator {
 public:
  // `results` is results_schema(plan, ...); `partitions` of the topic.
  WindowAggregator(WindowPlan plan, const TableSchema& results, int32_t partitions);
  WindowAggregator(const WindowAggregator&) = delete;
  WindowAggregator& operator=(const WindowAggregator&) = delete;

  // One record: `inputs` has one entry per aggregate of the plan.
  Admission add(int32_t partition, int64_t event_ms, std::string_view group_key,
                std::span<const AggregateInput> inputs);

  // Moves everything since the previous call into `out` (which must be
  // empty): results of the windows closed since, their ids, the state of every
  // group changed since, and the partitions' clocks.
  void take_changes(WindowDelta& out);
  // Appends the current results of the open windows (closed = 0) to `out`.
  void emit_open(WindowDelta& out) const;
  // Rebuilds the state from a checkpoint (before the first add()).
  Status restore(const WindowCheckpoint& checkpoint);

  const WindowPlan& plan() const { return plan_; }
  int64_t watermark() const { return watermark_; }
  size_t open_windows() const { return windows_.size(); }
  size_t groups() const { return total_groups_; }
  size_t memory_bytes() const;
  const WindowStats& stats() const { return stats_; }

 private:
  static constexpr int64_t kUnseen = INT64_MIN;

  OpenWindow* window_for(int64_t start);
  void grow_partitions(int32_t partition);
  void recompute_watermark();
  void close_oldest(bool forced);
  void emit(const OpenWindow& window, bool closed, WindowDelta& out) const;
  int64_t partition_watermark(size_t partition) const {
    return max_event_[partition] == kUnseen ? kUnseen : max_event_[partition] - plan_.allowed_lateness_ms;
  }

  const WindowPlan plan_;
  const GroupLayout layout_;
  const TableSchema* results_;
  std::map<int64_t, std::unique_ptr<OpenWindow>> windows_;  // by start
  std::vector<int64_t> max_event_;                          // per partition
  std::vector<int64_t> late_records_;                       // per partition
  std::vector<uint8_t> clock_changed_;
  int64_t watermark_ = kUnseen;
  int64_t horizon_ = kUnseen;  // windows ending at or before it were closed early
  bool horizon_changed_ = false;
  size_t total_groups_ = 0;
  WindowDelta pending_;  // results and ids of windows closed since take_changes()
  WindowStats stats_;
};

}  // namespace kascade
