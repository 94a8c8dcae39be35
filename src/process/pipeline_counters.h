// process/pipeline_counters.h: the running totals of a pipeline, read by progress, summaries and /metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/result.h"

namespace kascade {

// Sink write times (one sink call, retries apart): observations per bucket, lock-free.
struct SinkWriteHistogram {
  // Upper bounds in seconds; the last bucket holds everything above the last bound.
  static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1,    2.5,   10};
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> counts{};
  std::atomic<uint64_t> sum_micros{0};

  void observe(std::chrono::steady_clock::duration elapsed) {
    const double seconds = std::chrono::duration<double>(elapsed).count();
    size_t bucket = 0;
    while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
    ++counts[bucket];
    sum_micros += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
  }
};

// The consumer's side of a group, as the processor sees it: the partitions it holds (when the bus assigns them:
// a Kafka group) and its next offset in each partition it read. Published once per poll; read by /metrics and
// /readyz.
class GroupPositions {
 public:
  struct Snapshot {
    std::optional<std::set<int32_t>> assigned;  // nullopt: the bus never assigned (the embedded log reads all)
    OffsetMap positions;                        // next offset to read, per partition read or assigned a start
  };

  void assign(int32_t partition, std::optional<int64_t> start) {
    std::lock_guard lock(mutex_);
    if (!assigned_) assigned_.emplace();
    assigned_->insert(partition);
    if (start) positions_[partition] = *start;
  }
  void revoke(int32_t partition) {
    std::lock_guard lock(mutex_);
    if (!assigned_) assigned_.emplace();
    assigned_->erase(partition);
    positions_.erase(partition);
  }
  void advance(const OffsetMap& positions) {
    std::lock_guard lock(mutex_);
    for (const auto& [partition, next] : positions) positions_[partition] = next;
  }
  Snapshot snapshot() const {
    std::lock_guard lock(mutex_);
    return {assigned_, positions_};
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::set<int32_t>> assigned_;
  OffsetMap positions_;
};

// Written by the ingest, processor and sink threads; read by anyone.
struct PipelineCounters {
  std::atomic<uint64_t> ingested{0};  // records acknowledged by the bus
  std::atomic<uint64_t> ingested_bytes{0};
  std::atomic<uint64_t> consumed{0};      // records read by the processor
  std::atomic<uint64_t> rows_landed{0};   // rows acknowledged by the sink
  std::atomic<uint64_t> dead_letters{0};  // dead letters acknowledged by the sink
  std::atomic<uint64_t> sink_batches{0};  // sink writes (each may group several batches)
  std::atomic<uint64_t> sink_retries{0};

  // The same dead letters per class (index: dead_letter_class::all), the retries per cause (index: Errc).
  std::array<std::atomic<uint64_t>, dead_letter_class::all.size()> dead_letters_by_class{};
  std::array<std::atomic<uint64_t>, kErrcCount> sink_retries_by_cause{};
  SinkWriteHistogram sink_write_seconds;
  std::atomic<int64_t> sink_in_flight{0};  // batches handed to the sink thread and not yet acknowledged
  std::atomic<bool> sink_ready{false};     // prepared, and the last write did not fail
  std::atomic<int64_t> window_groups{0};   // groups held by the open windows
  GroupPositions group;

  void count_dead_letter(std::string_view error_class, uint64_t n = 1) {
    for (size_t i = 0; i < dead_letter_class::all.size(); ++i) {
      if (error_class == dead_letter_class::all[i]) dead_letters_by_class[i] += n;
    }
  }
  void count_retry(Errc cause) {
    ++sink_retries;
    if (const auto index = static_cast<size_t>(cause); index < kErrcCount) ++sink_retries_by_cause[index];
  }
};

}  // namespace kascade
