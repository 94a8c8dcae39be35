// process/windows/window_aggregator.cc: window assignment, lateness, closing, deltas and restore.
#include "process/windows/window_aggregator.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

#include "process/windows/group_key.h"

namespace kascade {
namespace {

int64_t floor_to(int64_t value, int64_t step) {
  const int64_t q = value / step;
  return (value % step != 0 && value < 0 ? q - 1 : q) * step;
}

}  // namespace

WindowAggregator::WindowAggregator(WindowPlan plan, const TableSchema& results, int32_t partitions)
    : plan_(std::move(plan)), layout_(GroupLayout::of(plan_)), results_(&results), pending_(&results) {
  pending_.name = plan_.table;
  grow_partitions(std::max(partitions, 1) - 1);
}

void WindowAggregator::grow_partitions(int32_t partition) {
  const size_t size = static_cast<size_t>(partition) + 1;
  if (size <= max_event_.size()) return;
  max_event_.resize(size, kUnseen);
  late_records_.resize(size, 0);
  clock_changed_.resize(size, 0);
  watermark_ = kUnseen;  // a partition not seen yet holds every window open
}

OpenWindow* WindowAggregator::window_for(int64_t start) {
  if (auto it = windows_.find(start); it != windows_.end()) return it->second.get();
  if (windows_.size() >= plan_.max_open_windows) {
    if (windows_.begin()->first > start) {  // older than every open window: it would close at once
      ++stats_.dropped_updates;
      return nullptr;
    }
    close_oldest(/*forced=*/true);
  }
  auto [it, inserted] = windows_.emplace(start, std::make_unique<OpenWindow>(layout_, start));
  return it->second.get();
}

Admission WindowAggregator::add(int32_t partition, int64_t event_ms, std::string_view group_key,
                                std::span<const AggregateInput> inputs) {
  assert(inputs.size() == layout_.kinds.size());
  if (partition < 0) partition = 0;
  if (static_cast<size_t>(partition) >= max_event_.size()) grow_partitions(partition);
  const auto p = static_cast<size_t>(partition);
  const int64_t closed_before = std::max(partition_watermark(p), horizon_);

  bool accepted = false;
  const int64_t latest = floor_to(event_ms, plan_.slide_ms);
  for (int64_t start = latest; start > event_ms - plan_.size_ms; start -= plan_.slide_ms) {
    if (start + plan_.size_ms <= closed_before) {
      ++stats_.late_updates;
      continue;
    }
    accepted = true;
    OpenWindow* window = window_for(start);
    if (window == nullptr) continue;
    uint32_t group = window->find(group_key);
    if (group == OpenWindow::kNoGroup) {
      while (total_groups_ >= plan_.max_groups && windows_.begin()->first < start) close_oldest(/*forced=*/true);
      if (total_groups_ >= plan_.max_groups) {
        ++stats_.dropped_updates;
        continue;
      }
      group = window->add_group(group_key);
      ++total_groups_;
    }
    window->update(group, inputs);
    ++stats_.updates;
  }
  if (!accepted) {
    ++stats_.late_records;
    ++late_records_[p];
    clock_changed_[p] = 1;
  }

  if (event_ms > max_event_[p]) {
    const bool held_watermark = max_event_[p] == kUnseen || partition_watermark(p) == watermark_;
    max_event_[p] = event_ms;
    clock_changed_[p] = 1;
    if (held_watermark) recompute_watermark();
  }
  return accepted ? Admission::accepted : Admission::late;
}

void WindowAggregator::recompute_watermark() {
  int64_t lowest = INT64_MAX;
  for (size_t p = 0; p < max_event_.size(); ++p) lowest = std::min(lowest, partition_watermark(p));
  watermark_ = lowest;
  while (!windows_.empty() && windows_.begin()->first + plan_.size_ms <= watermark_) close_oldest(/*forced=*/false);
}

void WindowAggregator::close_oldest(bool forced) {
  auto it = windows_.begin();
  const OpenWindow& window = *it->second;
  emit(window, /*closed=*/true, pending_);
  pending_.closed_windows.push_back(window.start());
  total_groups_ -= window.groups();
  ++stats_.windows_closed;
  if (forced) {
    ++stats_.forced_closes;
    horizon_ = std::max(horizon_, window.start() + plan_.size_ms);
    horizon_changed_ = true;
  }
  windows_.erase(it);
}

void WindowAggregator::emit(const OpenWindow& window, bool closed, WindowDelta& out) const {
  RowBatch& rows = out.results;
  const size_t fields = plan_.group_by.size();
  for (uint32_t g = 0; g < window.groups(); ++g) {
    const size_t row = rows.add_row();
    std::string_view key = window.key(g);
    for (size_t f = 0; f < fields; ++f) {
      const auto field = group_key::read_field(key);
      if (!field) continue;  // keys are built by WindowRowReader; left null if ever malformed
      switch (field->kind) {
        case Value::Kind::null:
          break;
        case Value::Kind::integer:
          rows.set_integer(row, f, field->integer);
          break;
        case Value::Kind::real:
          rows.set_real(row, f, field->real);
          break;
        case Value::Kind::text:
          rows.set_text(row, f, field->text);
          break;
      }
    }
    rows.set_integer(row, fields, window.start());
    rows.set_integer(row, fields + 1, window.start() + plan_.size_ms);
    for (size_t a = 0; a < layout_.kinds.size(); ++a) {
      const Value value = window.result(g, a);
      const size_t column = fields + 2 + a;
      if (value.kind == Value::Kind::integer) rows.set_integer(row, column, value.as.integer);
      if (value.kind == Value::Kind::real) rows.set_real(row, column, value.as.real);
    }
    rows.set_integer(row, fields + 2 + layout_.kinds.size(), closed ? 1 : 0);
  }
}

void WindowAggregator::take_changes(WindowDelta& out) {
  assert(out.empty());
  std::swap(out, pending_);
  pending_.name = plan_.table;
  for (auto& [start, window] : windows_) {
    window->take_dirty([&, w = window.get()](uint32_t group) {
      WindowStateEntry& entry = out.states.emplace_back();
      entry.window_start = start;
      entry.group_key.assign(w->key(group));
      w->encode(group, entry.state);
    });
  }
  for (size_t p = 0; p < max_event_.size(); ++p) {
    if (!clock_changed_[p]) continue;
    clock_changed_[p] = 0;
    out.clocks[static_cast<int32_t>(p)] = PartitionClock{max_event_[p], late_records_[p]};
  }
  if (horizon_changed_) {
    horizon_changed_ = false;
    out.clocks[kHorizonPartition] = PartitionClock{horizon_, 0};
  }
}

void WindowAggregator::emit_open(WindowDelta& out) const {
  for (const auto& [start, window] : windows_) emit(*window, /*closed=*/false, out);
}

Status WindowAggregator::restore(const WindowCheckpoint& checkpoint) {
  for (const auto& [partition, clock] : checkpoint.clocks) {
    if (partition == kHorizonPartition) {
      horizon_ = clock.max_event_ms;
      continue;
    }
    if (partition < 0) continue;
    grow_partitions(partition);
    max_event_[static_cast<size_t>(partition)] = clock.max_event_ms;
    late_records_[static_cast<size_t>(partition)] = clock.late_records;
  }
  int64_t lowest = INT64_MAX;
  for (size_t p = 0; p < max_event_.size(); ++p) lowest = std::min(lowest, partition_watermark(p));
  watermark_ = lowest;
  // A window ending at or before the watermark or the horizon was closed: its state is
  // stale (e.g. resurrected by a store replica that missed the delete), never restored.
  const int64_t closed_before = std::max(watermark_, horizon_);
  for (const WindowStateEntry& entry : checkpoint.states) {
    if (closed_before != kUnseen && entry.window_start + plan_.size_ms <= closed_before) continue;
    auto [it, inserted] = windows_.try_emplace(entry.window_start, nullptr);
    if (inserted) it->second = std::make_unique<OpenWindow>(layout_, entry.window_start);
    OpenWindow& window = *it->second;
    const uint32_t group = window.add_group(entry.group_key);
    ++total_groups_;
    if (!window.decode(group, entry.state)) {
      return Error::make(Errc::corrupt, fmt::format("window state of '{}' at window {}: cannot decode a group",
                                                    plan_.table, entry.window_start));
    }
  }
  return ok_status();
}

size_t WindowAggregator::memory_bytes() const {
  size_t bytes = 0;
  for (const auto& [start, window] : windows_) bytes += sizeof(OpenWindow) + window->memory_bytes();
  return bytes;
}

}  // namespace kascade
