// process/windows/window_stage.h: the processor's window step — mapped rows in, results and state out with each sink
// batch.
#pragma once

#include <memory>
#include <string_view>

#include "core/record.h"
#include "core/result.h"
#include "process/windows/window_aggregator.h"
#include "process/windows/window_row_reader.h"
#include "sinks/sink.h"

namespace kascade {

// Owns the aggregator of the pipeline's window plan. On open it asks the sink
// for the checkpointed state (stored with the offsets the processor resumes
// from) and restores it; then each mapped row is added, and each sink batch
// carries the changes since the previous one, so state and offsets are
// committed together. Used by the processor thread only.
class WindowStage {
 public:
  static Result<std::unique_ptr<WindowStage>> open(const WindowPlan& plan, const TableSchema& input, int32_t partitions,
                                                   Sink& sink);

  // Adds row `row` of batch.rows, mapped from `record`; a late record may become a dead letter in `batch`.
  void add(const ConsumedRecord& record, size_t row, std::string_view topic, int64_t now_ms, SinkBatch& batch);
  // Moves the changes since the last seal into `batch` (before it goes to the
  // sink), with the open windows' current results (closed = 0) when an early
  // update is due (plan.early_updates_ms, `now_ms` in processing time) or when
  // `last`: the processor stops, and the windows still open are provisional.
  void seal(SinkBatch& batch, int64_t now_ms, bool last = false);

  const WindowAggregator& aggregator() const { return *aggregator_; }
  uint64_t records_without_event_time() const { return without_event_time_; }
  uint64_t records_without_group() const { return without_group_; }

 private:
  WindowStage(const WindowPlan& plan, TableSchema results, int32_t partitions, WindowRowReader reader);
  WindowDelta& delta_of(SinkBatch& batch);

  TableSchema results_;  // before aggregator_: it points here
  std::unique_ptr<WindowAggregator> aggregator_;
  WindowRowReader reader_;
  LatePolicy late_;
  int64_t early_updates_ms_;
  int64_t last_early_update_ms_ = INT64_MIN;
  uint64_t without_event_time_ = 0;
  uint64_t without_group_ = 0;
};

}  // namespace kascade
