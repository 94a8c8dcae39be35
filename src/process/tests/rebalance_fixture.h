// process/tests/rebalance_fixture.h: what the processor's rebalance tests
// share: a topic of generator users on the mock cluster, a slow SQLite sink
// that counts what it writes, and a processor member running on its own thread.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/tests/mock_cluster.h"
#include "process/processor.h"
#include "process/transforms/spec_loader.h"
#include "sinks/sqlite/sqlite_store.h"
#include "sources/generator/randomuser_generator.h"

namespace kascade::test_support {

// The mock cluster takes ~15 s to move partitions to a new member; a slow
// sink (100 ms per batch of 50) keeps the stream going well past that.
inline constexpr size_t kRebalanceBatchRecords = 50;
inline constexpr auto kRebalanceWritePause = std::chrono::milliseconds(100);

// `count` generator users produced to a new 4-partition `topic` of `cluster`.
inline void produce_users(MockKafkaCluster& cluster, const char* topic, int count) {
  auto bus = KafkaBus::open(cluster.options());
  ASSERT_TRUE(bus.ok()) << bus.error().message;
  // The mock cluster does not answer CreateTopics: the topic is made on it directly.
  ASSERT_EQ(rd_kafka_mock_topic_create(cluster.get(), topic, 4, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_TRUE((*bus)->create_topic(topic, 4).ok());
  auto producer = (*bus)->open_producer();
  ASSERT_TRUE(producer.ok());
  RandomUserGenerator generator(GeneratorOptions{});
  std::vector<Record> records;
  for (int i = 0; i < count; ++i) records.push_back(generator.record(i, RandomUserGenerator::kReferenceMs));
  ASSERT_TRUE((*producer)->send(topic, records, nullptr).ok());
}

// The SQLite store, slowed down, counting every row it is asked to write (an
// upsert would hide a record written twice; this count does not) and every
// batch with rows but without window state changes (every row of the
// windowed tests updates its country's group, so such a batch is unsealed).
class SlowCountingSink final : public Sink {
 public:
  explicit SlowCountingSink(std::unique_ptr<SqliteStore> store) : store_(std::move(store)) {}
  Status prepare(const TableSchema& schema) override { return store_->prepare(schema); }
  Result<WindowCheckpoint> prepare_windows(const TableSchema& results) override {
    return store_->prepare_windows(results);
  }
  Status write(std::span<const SinkBatch* const> batches) override {
    std::this_thread::sleep_for(kRebalanceWritePause * batches.size());
    Status status = store_->write(batches);
    if (status.ok()) {
      for (const SinkBatch* batch : batches) {
        written += static_cast<int64_t>(batch->rows.rows());
        if (batch->rows.rows() > 0 && (!batch->windows || batch->windows->states.empty())) ++unsealed;
      }
    }
    return status;
  }
  bool stores_offsets() const override { return true; }
  Result<OffsetMap> stored_offsets(const std::string& group, const std::string& topic) override {
    return store_->stored_offsets(group, topic);
  }
  std::string describe_self() const override { return store_->describe_self(); }

  std::atomic<int64_t> written{0};
  std::atomic<int64_t> unsealed{0};

 private:
  std::unique_ptr<SqliteStore> store_;
};

// One member of the group: a consumer, its own sink on the shared store
// file, and a processor run on a thread of its own until finish().
struct ProcessorMember {
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<SlowCountingSink> sink;
  PipelineCounters counters;
  std::atomic<bool> stop{false};
  Status outcome;
  std::thread thread;

  ProcessorMember(MockKafkaCluster& cluster, const char* topic, const char* group, const std::string& store_path) {
    auto opened = KafkaConsumer::open(cluster.options(), topic, group);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (opened.ok()) consumer = std::move(*opened);
    auto store = SqliteStore::open(SqliteStoreOptions{.path = store_path});
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (store.ok()) sink = std::make_unique<SlowCountingSink>(std::move(*store));
  }
  ~ProcessorMember() { finish(); }
  bool ready() const { return consumer != nullptr && sink != nullptr; }

  void run(ProcessorOptions options) {
    thread = std::thread([this, options = std::move(options)] {
      Processor processor(*consumer, *sink, options, counters);
      outcome = processor.run(stop, nullptr);
    });
  }
  // Waits until the member has consumed `records` (or `timeout` passed).
  void wait_consumed(uint64_t records, std::chrono::seconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (counters.consumed < records && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void finish() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

// Waits until the members' sinks have written `records` rows between them (or `timeout` passed).
inline int64_t wait_written(const std::vector<ProcessorMember*>& members, int64_t records,
                            std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto total = [&] {
    int64_t sum = 0;
    for (const ProcessorMember* member : members) sum += member->sink->written;
    return sum;
  };
  while (total() < records && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return total();
}

}  // namespace kascade::test_support
