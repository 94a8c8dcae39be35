// observe/pipeline_metrics.cc: a pipeline's counters as Prometheus text.
#include "observe/pipeline_metrics.h"

#include "core/prometheus_text.h"

namespace kascade {

PipelineTotals PipelineTotals::of(const PipelineCounters& counters) {
  PipelineTotals totals;
  totals.records_in = counters.ingested.load();
  totals.records_out = counters.consumed.load();
  totals.rows_written = counters.rows_landed.load();
  totals.sink_writes = counters.sink_batches.load();
  for (size_t i = 0; i < totals.dead_letters.size(); ++i) totals.dead_letters[i] = counters.dead_letters_by_class[i];
  for (size_t i = 0; i < totals.retries.size(); ++i) totals.retries[i] = counters.sink_retries_by_cause[i];
  for (size_t i = 0; i < totals.write_buckets.size(); ++i) {
    totals.write_buckets[i] = counters.sink_write_seconds.counts[i];
  }
  totals.write_micros = counters.sink_write_seconds.sum_micros.load();
  return totals;
}

PipelineTotals& PipelineTotals::operator+=(const PipelineTotals& other) {
  records_in += other.records_in;
  records_out += other.records_out;
  rows_written += other.rows_written;
  sink_writes += other.sink_writes;
  for (size_t i = 0; i < dead_letters.size(); ++i) dead_letters[i] += other.dead_letters[i];
  for (size_t i = 0; i < retries.size(); ++i) retries[i] += other.retries[i];
  for (size_t i = 0; i < write_buckets.size(); ++i) write_buckets[i] += other.write_buckets[i];
  write_micros += other.write_micros;
  return *this;
}

namespace {

void counter(std::string& out, std::string_view name, std::string_view help, uint64_t value) {
  prometheus_text::append_header(out, name, "counter", help);
  prometheus_text::append_sample(out, name, {}, value);
}

void gauge(std::string& out, std::string_view name, std::string_view help, int64_t value) {
  prometheus_text::append_header(out, name, "gauge", help);
  prometheus_text::append_sample(out, name, {}, value);
}

// Lag per partition the processor reads: the partition's end offset minus its next offset (the partition's start
// when it has read nothing yet). Partitions: those assigned (a Kafka group), else every partition of the topic.
void consumer_series(std::string& out, const PipelineGauges& gauges) {
  const prometheus_text::Labels group_labels = {{"group", gauges.group_name}, {"topic", gauges.topic_name}};
  const int64_t assigned = gauges.group.assigned
                               ? static_cast<int64_t>(gauges.group.assigned->size())
                               : (gauges.topic ? static_cast<int64_t>(gauges.topic->partitions.size()) : 0);
  prometheus_text::append_header(out, "kascade_assigned_partitions", "gauge",
                                 "Partitions of the topic this process reads (assigned by the group on Kafka).");
  prometheus_text::append_sample(out, "kascade_assigned_partitions", group_labels, assigned);
  if (!gauges.topic) return;  // the bus did not answer: no lag rather than a wrong one
  prometheus_text::append_header(out, "kascade_consumer_lag", "gauge",
                                 "Records the group has yet to process, per partition this process reads.");
  for (const PartitionInfo& partition : gauges.topic->partitions) {
    if (gauges.group.assigned && !gauges.group.assigned->contains(partition.partition)) continue;
    const auto position = gauges.group.positions.find(partition.partition);
    const int64_t next = position != gauges.group.positions.end() ? std::max(position->second, partition.start_offset)
                                                                  : partition.start_offset;
    prometheus_text::append_sample(out, "kascade_consumer_lag",
                                   {{"group", gauges.group_name},
                                    {"topic", gauges.topic_name},
                                    {"partition", std::to_string(partition.partition)}},
                                   std::max<int64_t>(0, partition.end_offset - next));
  }
}

}  // namespace

std::string pipeline_metrics_text(const PipelineTotals& totals, const PipelineGauges& gauges) {
  std::string out;
  counter(out, "kascade_records_in_total", "Records from the source acknowledged by the bus (into the topic).",
          totals.records_in);
  counter(out, "kascade_records_out_total", "Records the processor read from the topic.", totals.records_out);
  counter(out, "kascade_rows_written_total", "Rows acknowledged by the store.", totals.rows_written);
  counter(out, "kascade_sink_writes_total", "Sink transactions acknowledged (each may hold several batches).",
          totals.sink_writes);
  prometheus_text::append_header(out, "kascade_dead_letters_total", "counter",
                                 "Dead letters acknowledged by the store, per error class.");
  for (size_t i = 0; i < totals.dead_letters.size(); ++i) {
    prometheus_text::append_sample(out, "kascade_dead_letters_total", {{"error_class", dead_letter_class::all[i]}},
                                   totals.dead_letters[i]);
  }
  prometheus_text::append_header(out, "kascade_retries_total", "counter",
                                 "Sink writes retried, per cause (the error code of the failed attempt).");
  for (size_t i = 1; i < totals.retries.size(); ++i) {  // 0 is Errc::ok
    prometheus_text::append_sample(out, "kascade_retries_total", {{"cause", errc_name(static_cast<Errc>(i))}},
                                   totals.retries[i]);
  }
  prometheus_text::append_histogram(out, "kascade_sink_write_seconds",
                                    "Time of one sink write (one transaction; each attempt of a retried one).",
                                    {.bounds = SinkWriteHistogram::kBounds,
                                     .counts = {totals.write_buckets.begin(), totals.write_buckets.end()},
                                     .sum = static_cast<double>(totals.write_micros) / 1e6});
  gauge(out, "kascade_sink_in_flight", "Batches handed to the sink and not yet acknowledged.", gauges.sink_in_flight);
  gauge(out, "kascade_window_groups", "Groups held by the open windows.", gauges.window_groups);
  if (gauges.consumes) consumer_series(out, gauges);
  return out;
}

}  // namespace kascade
