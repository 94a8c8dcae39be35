// observe/tests/pipeline_metrics_test.cc: a pipeline's counters as Prometheus text; totals carried across runs.
#include "observe/pipeline_metrics.h"

#include <gtest/gtest.h>

#include "observe/process_stats.h"

namespace kascade {
namespace {

bool has_line(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(PipelineMetrics, ShowsCountersPerClassAndCauseAndTheHistogram) {
  PipelineCounters counters;
  counters.ingested = 10;
  counters.consumed = 9;
  counters.rows_landed = 7;
  counters.count_dead_letter(dead_letter_class::parse, 2);
  counters.count_retry(Errc::unavailable);
  counters.sink_write_seconds.observe(std::chrono::milliseconds(3));
  counters.sink_write_seconds.observe(std::chrono::seconds(20));
  PipelineTotals totals = PipelineTotals::of(counters);
  totals += totals;  // a second run with the same counts
  const std::string text = pipeline_metrics_text(totals, PipelineGauges{.sink_in_flight = 2, .window_groups = 5});
  EXPECT_TRUE(has_line(text, "kascade_records_in_total 20")) << text;
  EXPECT_TRUE(has_line(text, "kascade_records_out_total 18")) << text;
  EXPECT_TRUE(has_line(text, "kascade_rows_written_total 14")) << text;
  EXPECT_TRUE(has_line(text, "kascade_dead_letters_total{error_class=\"parse\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "kascade_dead_letters_total{error_class=\"sink\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "kascade_retries_total{cause=\"unavailable\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_bucket{le=\"0.0025\"} 0")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_bucket{le=\"0.005\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_bucket{le=\"10\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_bucket{le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_count 4")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_write_seconds_sum 40.006")) << text;
  EXPECT_TRUE(has_line(text, "kascade_sink_in_flight 2")) << text;
  EXPECT_TRUE(has_line(text, "kascade_window_groups 5")) << text;
  EXPECT_EQ(text.find("kascade_consumer_lag"), std::string::npos) << text;  // a role that does not consume
}

TEST(PipelineMetrics, LagPerAssignedPartitionFromItsPosition) {
  GroupPositions group;
  group.assign(0, 4);
  group.assign(2, std::nullopt);  // nothing read yet: the partition's start
  group.assign(3, 1);
  group.revoke(3);
  PipelineGauges gauges{.consumes = true,
                        .topic = TopicInfo{"t", {{0, 0, 10, 0}, {1, 0, 8, 0}, {2, 3, 9, 0}, {3, 0, 5, 0}}},
                        .group = group.snapshot(),
                        .group_name = "g",
                        .topic_name = "t"};
  const std::string text = pipeline_metrics_text({}, gauges);
  EXPECT_TRUE(has_line(text, "kascade_assigned_partitions{group=\"g\",topic=\"t\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "kascade_consumer_lag{group=\"g\",topic=\"t\",partition=\"0\"} 6")) << text;
  EXPECT_TRUE(has_line(text, "kascade_consumer_lag{group=\"g\",topic=\"t\",partition=\"2\"} 6")) << text;
  EXPECT_EQ(text.find("partition=\"1\""), std::string::npos) << text;  // another member's
  EXPECT_EQ(text.find("partition=\"3\""), std::string::npos) << text;  // revoked

  // A bus that never assigns (the embedded log): every partition is this process's.
  GroupPositions all;
  all.advance({{1, 8}});
  gauges.group = all.snapshot();
  const std::string every = pipeline_metrics_text({}, gauges);
  EXPECT_TRUE(has_line(every, "kascade_assigned_partitions{group=\"g\",topic=\"t\"} 4")) << every;
  EXPECT_TRUE(has_line(every, "kascade_consumer_lag{group=\"g\",topic=\"t\",partition=\"1\"} 0")) << every;
  EXPECT_TRUE(has_line(every, "kascade_consumer_lag{group=\"g\",topic=\"t\",partition=\"3\"} 5")) << every;
}

TEST(ProcessStats, ReadsResidentMemoryAndOpenFiles) {
  ASSERT_TRUE(resident_memory_bytes().has_value());
  EXPECT_GT(*resident_memory_bytes(), 1 << 20);
  const auto before = open_file_descriptors();
  ASSERT_TRUE(before.has_value());
  FILE* file = std::fopen("/proc/self/statm", "r");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*open_file_descriptors(), *before + 1);
  std::fclose(file);
  EXPECT_NE(process_metrics_text().find("process_open_fds "), std::string::npos);
}

}  // namespace
}  // namespace kascade
