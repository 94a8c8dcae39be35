// process/tests/kafka_processor_test.cc: the processor's rebalance hook with a real consumer group.
// librdkafka's mock cluster and the SQLite store: a member joining mid-stream
// takes partitions over without any record being lost or written twice.
#include <gtest/gtest.h>

#include "process/tests/rebalance_fixture.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;
using test_support::ProcessorMember;

constexpr const char* kTopic = "users.raw";
constexpr const char* kGroup = "processors";
constexpr int kRecords = 12000;

TEST(KafkaProcessorRebalance, AJoiningMemberTakesOverWithoutLossOrRewrite) {
  test_support::MockKafkaCluster cluster;
  test_support::TempDir dir("kafka-processor");
  test_support::produce_users(cluster, kTopic, kRecords);
  if (HasFatalFailure()) return;

  const ProcessorOptions options{.group = kGroup,
                                 .topic = kTopic,
                                 .batch_records = test_support::kRebalanceBatchRecords,
                                 .program = flagship_program().value()};
  ProcessorMember first(cluster, kTopic, kGroup, dir / "store.db");
  ProcessorMember second(cluster, kTopic, kGroup, dir / "store.db");
  ASSERT_TRUE(first.ready() && second.ready());
  first.run(options);
  // Let the first member get going, then add the second mid-stream.
  first.wait_consumed(kRecords / 4, 20s);
  ASSERT_LT(first.counters.consumed, static_cast<uint64_t>(kRecords)) << "too fast to test a takeover";
  second.run(options);

  test_support::wait_written({&first, &second}, kRecords, 120s);
  std::this_thread::sleep_for(1s);  // anything written twice would show up by now
  first.finish();
  second.finish();
  EXPECT_TRUE(first.outcome.ok()) << first.outcome.message();
  EXPECT_TRUE(second.outcome.ok()) << second.outcome.message();

  EXPECT_EQ(first.sink->written + second.sink->written, kRecords);
  EXPECT_GT(second.counters.rows_landed, 0u) << "the second member never got partitions";
  auto stored = first.sink->stored_offsets(kGroup, kTopic);
  ASSERT_TRUE(stored.ok());
  auto bus = KafkaBus::open(cluster.options());
  ASSERT_TRUE(bus.ok()) << bus.error().message;
  auto info = (*bus)->describe(kTopic);
  ASSERT_TRUE(info.ok());
  for (const PartitionInfo& p : info->partitions) EXPECT_EQ(stored->at(p.partition), p.end_offset) << p.partition;
}

}  // namespace
}  // namespace kascade
