// process/windows/window_stage.cc: restore on open, per-row add, per-batch changes.
#include "process/windows/window_stage.h"

#include <fmt/format.h>

namespace kascade {

WindowStage::WindowStage(const WindowPlan& plan, TableSchema results, int32_t partitions, WindowRowReader reader)
    : results_(std::move(results)),
      aggregator_(std::make_unique<WindowAggregator>(plan, results_, partitions)),
      reader_(std::move(reader)),
      late_(plan.late),
      early_updates_ms_(plan.early_updates_ms) {}

Result<std::unique_ptr<WindowStage>> WindowStage::open(const WindowPlan& plan, const TableSchema& input,
                                                       int32_t partitions, Sink& sink) {
  auto results = results_schema(plan, input);
  if (!results) return results.error();
  auto reader = WindowRowReader::bind(plan, input);
  if (!reader) return reader.error();
  std::unique_ptr<WindowStage> stage(new WindowStage(plan, std::move(*results), partitions, std::move(*reader)));
  auto checkpoint = sink.prepare_windows(stage->results_);
  if (!checkpoint) return checkpoint.error();
  if (auto status = stage->aggregator_->restore(*checkpoint); !status) return status.error();
  return stage;
}

WindowDelta& WindowStage::delta_of(SinkBatch& batch) {
  if (!batch.windows) batch.windows = std::make_unique<WindowDelta>(&results_);
  return *batch.windows;
}

void WindowStage::add(const ConsumedRecord& record, size_t row, std::string_view topic, int64_t now_ms,
                      SinkBatch& batch) {
  if (!reader_.read(record, batch.rows, row)) {
    ++without_event_time_;
    return;
  }
  if (!reader_.missing_group().empty()) {
    ++without_group_;
    batch.dead_letters.push_back(
        dead_letter_of(record, topic, dead_letter_class::window,
                       fmt::format("group-by field '{}' of '{}' is missing or not of its column's type",
                                   reader_.missing_group(), results_.name),
                       now_ms));
    return;
  }
  const Admission admission =
      aggregator_->add(record.partition, reader_.event_ms(), reader_.group_key(), reader_.inputs());
  if (admission == Admission::late && late_ == LatePolicy::dead_letter) {
    batch.dead_letters.push_back(dead_letter_of(
        record, topic, dead_letter_class::late,
        fmt::format("event time {} ms: every window of '{}' covering it had closed (partition watermark passed)",
                    reader_.event_ms(), results_.name),
        now_ms));
  }
}

void WindowStage::seal(SinkBatch& batch, int64_t now_ms, bool last) {
  WindowDelta& delta = delta_of(batch);
  delta.clear();
  aggregator_->take_changes(delta);
  // Early update: the open windows' results now, in the same transaction as
  // the state they come from; the windows closed above are no longer open.
  const bool due = early_updates_ms_ > 0 &&
                   (last_early_update_ms_ == INT64_MIN || now_ms - last_early_update_ms_ >= early_updates_ms_);
  if (last || due) {
    aggregator_->emit_open(delta);
    last_early_update_ms_ = now_ms;
  }
}

}  // namespace kascade
