// The processor's rebalance hook with a real consumer group (librdkafka's
// mock cluster) and the SQLite store: a member joining mid-stream takes
// partitions over without any record being lost or written twice.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/tests/mock_cluster.h"
#include "process/processor.h"
#include "process/users_mapping.h"
#include "sinks/sqlite/sqlite_store.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "users.raw";
constexpr const char* kGroup = "processors";
constexpr int kRecords = 12000;
// The mock cluster takes ~15 s to move partitions to a new member; a slow
// sink (100 ms per batch of 50) keeps the stream going well past that.
constexpr size_t kBatchRecords = 50;
constexpr auto kWritePause = std::chrono::milliseconds(100);

// The SQLite store, counting every row it is asked to write (an upsert
// would hide a record written twice; this count does not).
class CountingSink final : public Sink {
 public:
  CountingSink(std::unique_ptr<SqliteStore> store, std::atomic<int64_t>& written)
      : store_(std::move(store)), written_(written) {}
  Status prepare(const TableSchema& schema) override { return store_->prepare(schema); }
  Status write(std::span<const SinkBatch* const> batches) override {
    std::this_thread::sleep_for(kWritePause * batches.size());
    Status status = store_->write(batches);
    if (status.ok()) {
      for (const SinkBatch* batch : batches) written_ += static_cast<int64_t>(batch->rows.rows());
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
};

struct Member {
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<CountingSink> sink;
  PipelineCounters counters;
  std::atomic<bool> stop{false};
  Status outcome;
  std::thread thread;

  void run() {
    thread = std::thread([this] {
      Processor processor(*consumer, *sink, ProcessorOptions{.group = kGroup, .topic = kTopic, .batch_records = kBatchRecords},
                          counters);
      outcome = processor.run(stop, nullptr);
    });
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

TEST(KafkaProcessorRebalance, AJoiningMemberTakesOverWithoutLossOrRewrite) {
  test_support::MockKafkaCluster cluster;
  test_support::TempDir dir("kafka-processor");
  auto bus = KafkaBus::open(cluster.options());
  ASSERT_TRUE(bus.ok()) << bus.error().message;
  // The mock cluster does not answer CreateTopics: the topic is made on it directly.
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster.get(), kTopic, 4, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE((*bus)->create_topic(kTopic, 4).ok());
  auto producer = (*bus)->open_producer();
  ASSERT_TRUE(producer.ok());
  RandomUserGenerator generator(GeneratorOptions{});
  std::vector<Record> records;
  for (int i = 0; i < kRecords; ++i) records.push_back(generator.record(i, RandomUserGenerator::kReferenceMs));
  ASSERT_TRUE((*producer)->send(kTopic, records, nullptr).ok());

  std::atomic<int64_t> written{0};
  auto make_member = [&](Member& member) {
    auto consumer = KafkaConsumer::open(cluster.options(), kTopic, kGroup);
    ASSERT_TRUE(consumer.ok());
    member.consumer = std::move(*consumer);
    auto store = SqliteStore::open(SqliteStoreOptions{.path = dir / "store.db"});
    ASSERT_TRUE(store.ok()) << store.error().message;
    member.sink = std::make_unique<CountingSink>(std::move(*store), written);
  };
  Member first, second;
  make_member(first);
  make_member(second);
  first.run();
  // Let the first member get going, then add the second mid-stream.
  const auto join_deadline = std::chrono::steady_clock::now() + 20s;
  while (first.counters.consumed < kRecords / 4 && std::chrono::steady_clock::now() < join_deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_LT(first.counters.consumed, static_cast<uint64_t>(kRecords)) << "too fast to test a takeover";
  second.run();

  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (written < kRecords && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(1s);  // anything written twice would show up by now
  first.finish();
  second.finish();
  EXPECT_TRUE(first.outcome.ok()) << first.outcome.message();
  EXPECT_TRUE(second.outcome.ok()) << second.outcome.message();

  EXPECT_EQ(written.load(), kRecords);
  EXPECT_GT(second.counters.rows_landed, 0u) << "the second member never got partitions";
  auto stored = first.sink->stored_offsets(kGroup, kTopic);
  ASSERT_TRUE(stored.ok());
  auto info = (*bus)->describe(kTopic);
  ASSERT_TRUE(info.ok());
  for (const PartitionInfo& p : info->partitions) EXPECT_EQ(stored->at(p.partition), p.end_offset) << p.partition;
}

}  // namespace
}  // namespace kascade
