// observe/pipeline_metrics.h: a pipeline's counters as Prometheus text, the totals of earlier runs carried over
// (`kascade schedule` runs one Pipeline per fire time; its series keep counting across them).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "bus/bus.h"
#include "process/pipeline_counters.h"

namespace kascade {

// The counters (not the gauges) of PipelineCounters at one moment, as plain numbers.
struct PipelineTotals {
  uint64_t records_in = 0, records_out = 0, rows_written = 0, sink_writes = 0;
  std::array<uint64_t, dead_letter_class::all.size()> dead_letters{};
  std::array<uint64_t, kErrcCount> retries{};
  std::array<uint64_t, SinkWriteHistogram::kBounds.size() + 1> write_buckets{};
  uint64_t write_micros = 0;

  static PipelineTotals of(const PipelineCounters& counters);
  PipelineTotals& operator+=(const PipelineTotals& other);
};

// What a scrape shows beside the totals: the gauges of the run in progress (none between runs).
struct PipelineGauges {
  int64_t sink_in_flight = 0;
  int64_t window_groups = 0;
  bool consumes = false;           // the role reads the topic: lag and partitions are shown
  std::optional<TopicInfo> topic;  // the topic's partitions and their end offsets, when the bus answered
  GroupPositions::Snapshot group;  // what the processor holds
  std::string group_name, topic_name;
};

// The series of /metrics: kascade_records_in_total, kascade_records_out_total, kascade_rows_written_total,
// kascade_sink_writes_total, kascade_dead_letters_total{error_class}, kascade_retries_total{cause},
// kascade_sink_write_seconds (histogram), kascade_sink_in_flight, kascade_window_groups, and, for roles that
// consume, kascade_assigned_partitions{group,topic} and kascade_consumer_lag{group,topic,partition}.
std::string pipeline_metrics_text(const PipelineTotals& totals, const PipelineGauges& gauges);

}  // namespace kascade
