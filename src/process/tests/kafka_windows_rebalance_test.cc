// process/tests/kafka_windows_rebalance_test.cc: the processor's rebalance hook with windows.
// On librdkafka's mock cluster, a member joining mid-stream makes the group revoke partitions from a windowed
// processor; every batch written carries the window changes of its rows (so
// the offsets stored with it never run ahead of the stored window state), and
// no record is lost or written twice. (The processor submits each batch as
// soon as a poll fills it, so a revoke normally finds no open batch; the hook
// seals one anyway when it does.)
#include <gtest/gtest.h>

#include "process/tests/rebalance_fixture.h"
#include "process/windows/window_plan.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;
using test_support::ProcessorMember;

constexpr const char* kTopic = "users.raw";
constexpr const char* kGroup = "windowed";
constexpr int kRecords = 12000;

WindowPlan per_country_plan() {
  WindowPlan plan;
  plan.table = "per_country";
  plan.event_time = "header.fetched_at";
  plan.group_by = {"country"};
  plan.aggregates = *parse_aggregates("users=count");
  plan.size_ms = 60000;
  plan.slide_ms = 60000;
  return plan;
}

TEST(KafkaProcessorRebalance, ARevokeFlushesTheWindowChangesWithTheOffsets) {
  test_support::MockKafkaCluster cluster;
  test_support::TempDir dir("kafka-windows");
  test_support::produce_users(cluster, kTopic, kRecords);
  if (HasFatalFailure()) return;

  const ProcessorOptions plain{.group = kGroup,
                               .topic = kTopic,
                               .batch_records = test_support::kRebalanceBatchRecords,
                               .program = flagship_program().value()};
  ProcessorOptions windowed_options = plain;
  windowed_options.windows = per_country_plan();
  windowed_options.partitions = 4;
  ProcessorMember windowed(cluster, kTopic, kGroup, dir / "store.db");
  ASSERT_TRUE(windowed.ready());
  windowed.run(windowed_options);
  windowed.wait_consumed(kRecords / 4, 20s);
  ASSERT_LT(windowed.counters.consumed, static_cast<uint64_t>(kRecords)) << "too fast to test a rebalance";

  // Another member joins (without windows, the same store): the group revokes partitions mid-stream.
  ProcessorMember other(cluster, kTopic, kGroup, dir / "store.db");
  ASSERT_TRUE(other.ready());
  other.run(plain);

  test_support::wait_written({&windowed, &other}, kRecords, 120s);
  windowed.finish();
  other.finish();
  EXPECT_TRUE(windowed.outcome.ok()) << windowed.outcome.message();
  EXPECT_TRUE(other.outcome.ok()) << other.outcome.message();
  EXPECT_EQ(windowed.sink->written + other.sink->written, kRecords);
  EXPECT_GT(other.counters.rows_landed, 0u) << "no rebalance happened: the test proved nothing";
  EXPECT_EQ(windowed.sink->unsealed.load(), 0) << "a batch with rows was written without their window changes";
}

}  // namespace
}  // namespace kascade
