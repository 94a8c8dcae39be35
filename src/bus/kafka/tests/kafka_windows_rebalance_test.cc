// The processor's rebalance hook with windows (librdkafka's mock cluster): a
// member joining mid-stream makes the group revoke partitions from a windowed
// processor; every batch written carries the window changes of its rows (so
// the offsets stored with it never run ahead of the stored window state), and
// no record is lost or written twice. (The processor submits each batch as
// soon as a poll fills it, so a revoke normally finds no open batch; the hook
// seals one anyway when it does.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/tests/mock_cluster.h"
#include "process/processor.h"
#include "process/windows/window_plan.h"
#include "sinks/sqlite/sqlite_store.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "users.raw";
constexpr const char* kGroup = "windowed";
constexpr int kRecords = 12000;
constexpr size_t kBatchRecords = 50;
constexpr auto kWritePause = std::chrono::milliseconds(100);

// The SQLite store, checking that every batch with rows also carries the
// window state changes of those rows (every row here updates its country's group).
class CheckingSink final : public Sink {
 public:
  CheckingSink(std::unique_ptr<SqliteStore> store, std::atomic<int64_t>& written, std::atomic<int64_t>& unsealed)
      : store_(std::move(store)), written_(written), unsealed_(unsealed) {}
  Status prepare(const TableSchema& schema) override { return store_->prepare(schema); }
  Result<WindowCheckpoint> prepare_windows(const TableSchema& results) override {
    return store_->prepare_windows(results);
  }
  Status write(std::span<const SinkBatch* const> batches) override {
    std::this_thread::sleep_for(kWritePause * batches.size());
    Status status = store_->write(batches);
    if (status.ok()) {
      for (const SinkBatch* batch : batches) {
        written_ += static_cast<int64_t>(batch->rows.rows());
        if (batch->rows.rows() > 0 && (!batch->windows || batch->windows->states.empty())) ++unsealed_;
      }
    }
    return status;
  }
  bool stores_offsets() const override { return true; }
  Result<OffsetMap> stored_offsets(const std::string& group, const std::string& topic) override {
    return store_->stored_offsets(group, topic);
  }
  std::string describe_self() const override { return store_->describe_self(); }

 private:
  std::unique_ptr<SqliteStore> store_;
  std::atomic<int64_t>& written_;
  std::atomic<int64_t>& unsealed_;
};

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
  auto bus = KafkaBus::open(cluster.options());
  ASSERT_TRUE(bus.ok()) << bus.error().message;
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster.get(), kTopic, 4, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE((*bus)->create_topic(kTopic, 4).ok());
  auto producer = (*bus)->open_producer();
  ASSERT_TRUE(producer.ok());
  RandomUserGenerator generator(GeneratorOptions{});
  std::vector<Record> records;
  for (int i = 0; i < kRecords; ++i) records.push_back(generator.record(i, RandomUserGenerator::kReferenceMs));
  ASSERT_TRUE((*producer)->send(kTopic, records, nullptr).ok());

  std::atomic<int64_t> written{0}, unsealed{0}, other_written{0}, other_unsealed{0};
  auto open_sink = [&](const char* file, std::atomic<int64_t>& w, std::atomic<int64_t>& u) {
    auto store = SqliteStore::open(SqliteStoreOptions{.path = dir / file});
    EXPECT_TRUE(store.ok()) << store.error().message;
    return std::make_unique<CheckingSink>(std::move(*store), w, u);
  };
  auto consumer = KafkaConsumer::open(cluster.options(), kTopic, kGroup);
  ASSERT_TRUE(consumer.ok());
  auto sink = open_sink("store.db", written, unsealed);
  PipelineCounters counters;
  std::atomic<bool> stop{false};
  Status outcome;
  std::thread windowed([&] {
    ProcessorOptions options{.group = kGroup, .topic = kTopic, .batch_records = kBatchRecords};
    options.windows = per_country_plan();
    options.partitions = 4;
    Processor processor(**consumer, *sink, options, counters);
    outcome = processor.run(stop, nullptr);
  });
  const auto join_deadline = std::chrono::steady_clock::now() + 20s;
  while (counters.consumed < kRecords / 4 && std::chrono::steady_clock::now() < join_deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_LT(counters.consumed, static_cast<uint64_t>(kRecords)) << "too fast to test a rebalance";

  // Another member joins (without windows, the same store): the group revokes partitions mid-stream.
  auto other_consumer = KafkaConsumer::open(cluster.options(), kTopic, kGroup);
  ASSERT_TRUE(other_consumer.ok());
  auto other_sink = open_sink("store.db", other_written, other_unsealed);
  PipelineCounters other_counters;
  std::atomic<bool> other_stop{false};
  Status other_outcome;
  std::thread other([&] {
    Processor processor(**other_consumer, *other_sink,
                        ProcessorOptions{.group = kGroup, .topic = kTopic, .batch_records = kBatchRecords},
                        other_counters);
    other_outcome = processor.run(other_stop, nullptr);
  });

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (written + other_written < kRecords && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  stop = true;
  other_stop = true;
  windowed.join();
  other.join();
  EXPECT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_TRUE(other_outcome.ok()) << other_outcome.message();
  EXPECT_EQ(written + other_written, kRecords);
  EXPECT_GT(other_counters.rows_landed, 0u) << "no rebalance happened: the test proved nothing";
  EXPECT_EQ(unsealed.load(), 0) << "a batch with rows was written without their window changes";
}

}  // namespace
}  // namespace kascade
