// Tests for process/processor.h: exact rows and dead letters, offsets only after the sink said ok.
#include "process/processor.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_log.h"
#include "core/timestamp.h"
#include "process/transforms/spec_loader.h"
#include "sinks/sqlite/sqlite_store.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

constexpr const char* kTopic = "users.raw";
constexpr const char* kGroup = "test-processor";

// A malformed record crafted by the test, with the dead-letter class it must get.
struct Injected {
  std::string value;
  std::string error_class;
  std::string message_part;
};

Injected malformed(size_t kind, const std::string& valid) {
  switch (kind % 5) {
    case 0:
      return {valid.substr(0, valid.size() / 2), "parse", ""};
    case 1:
      return {R"({"login":{"uuid":"0b6f1c1e-55a4-4e55-9a3c-2f0f7a1d9c11"},"name":{"first":7,"last":"x"},)"
              R"("email":"e@example.com","dob":{"date":"2000-01-01T00:00:00Z","age":1}})",
              "validation", "/name/first"};
    case 2:
      return {R"({"name":{"first":"a","last":"b"},"email":"e@example.com","dob":{"date":"2000-01-01T00:00:00Z"}})",
              "validation", "/login"};
    case 3: {
      std::string big = valid;
      big.insert(big.size() - 1, ",\"padding\":\"" + std::string(2 << 20, 'x') + "\"");
      return {big, "too_large", ""};
    }
    default: {
      std::string bad = valid;
      const size_t at = bad.find("\"first\":\"") + 9;
      bad.insert(at, "\xC3\x28");
      return {bad, "parse", ""};
    }
  }
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto log = EmbeddedLog::open(dir_.path, EmbeddedLogOptions{.sync = SyncMode::normal});
    ASSERT_TRUE(log.ok()) << log.error().message;
    log_ = std::move(*log);
    ASSERT_TRUE(log_->create_topic(kTopic, 1).ok());
  }
  void TearDown() override { log_.reset(); }

  // Runs a processor over everything in the topic, then returns its status.
  Status process(Sink& sink, PipelineCounters& counters) {
    auto consumer = EmbeddedConsumer::open(*log_, kTopic, kGroup);
    EXPECT_TRUE(consumer.ok());
    ProcessorOptions options{
        .group = kGroup, .topic = kTopic, .batch_records = 1000, .program = flagship_program().value()};
    Processor processor(**consumer, sink, options, counters);
    std::atomic<bool> stop{false};
    return processor.run(stop, [&](const OffsetMap& positions) {
      auto info = log_->describe(kTopic);
      return info.ok() && positions.count(0) && positions.at(0) == info->partitions[0].end_offset;
    });
  }

  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir_ / "store.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* s = nullptr;
    std::vector<std::vector<std::string>> out;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    while (sqlite3_step(s) == SQLITE_ROW) {
      auto& row = out.emplace_back();
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const auto* bytes = static_cast<const char*>(sqlite3_column_blob(s, c));
        row.emplace_back(bytes ? bytes : "", static_cast<size_t>(sqlite3_column_bytes(s, c)));
      }
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  test_support::TempDir dir_{"processor-test"};
  std::unique_ptr<EmbeddedLog> log_;
};

TEST_F(ProcessorTest, OnePercentMalformedGivesExactRowsAndDeadLetters) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "processor-test"});
  constexpr size_t kRecords = 10000;
  std::set<std::string> valid_ids;
  std::map<int64_t, Injected> injected;  // offset -> what was injected there
  std::vector<Record> batch;
  for (size_t i = 0; i < kRecords; ++i) {
    Record record = generator.record(i, 1700000000000);
    if (i % 100 == 37) {
      Injected bad = malformed(injected.size(), record.value);
      record.value = bad.value;
      injected[static_cast<int64_t>(i)] = std::move(bad);
    } else {
      valid_ids.insert(record.key);
    }
    batch.push_back(std::move(record));
    if (batch.size() == 500 || i + 1 == kRecords) {
      ASSERT_TRUE(log_->append(kTopic, batch, nullptr, 0).ok());
      batch.clear();
    }
  }
  ASSERT_EQ(injected.size(), 100u);

  auto store = SqliteStore::open({.path = dir_ / "store.db"});
  ASSERT_TRUE(store.ok());
  PipelineCounters counters;
  ASSERT_TRUE(process(**store, counters).ok());
  EXPECT_EQ(counters.rows_landed, kRecords - 100);
  EXPECT_EQ(counters.dead_letters, 100u);

  std::set<std::string> ids;
  for (auto& row : rows("SELECT id FROM users")) ids.insert(row[0]);
  EXPECT_EQ(ids, valid_ids);

  auto letters = rows("SELECT partition, offset, error_class, error_message, value, topic FROM dead_letters");
  ASSERT_EQ(letters.size(), 100u);
  for (const auto& letter : letters) {
    const int64_t offset = std::stoll(letter[1]);
    ASSERT_TRUE(injected.count(offset)) << "dead letter at an offset nothing was injected at: " << offset;
    const Injected& expected = injected.at(offset);
    EXPECT_EQ(letter[0], "0");
    EXPECT_EQ(letter[2], expected.error_class) << "offset " << offset << ": " << letter[3];
    EXPECT_FALSE(letter[3].empty());
    EXPECT_NE(letter[3].find(expected.message_part), std::string::npos) << letter[3];
    EXPECT_EQ(letter[4], expected.value) << "the original bytes, unchanged";
    EXPECT_EQ(letter[5], kTopic);
  }
  EXPECT_EQ(rows("SELECT next_offset FROM consumer_offsets")[0][0], std::to_string(kRecords));

  // A second processor finds nothing left to do: nothing is doubled.
  PipelineCounters again;
  ASSERT_TRUE(process(**store, again).ok());
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_EQ(rows("SELECT count(*) FROM users")[0][0], std::to_string(kRecords - 100));
}

// A sink that refuses the first `failures` writes, then delegates.
class FlakySink final : public Sink {
 public:
  FlakySink(Sink& inner, int failures, bool retriable) : inner_(inner), failures_(failures), retriable_(retriable) {}
  Status prepare(const TableSchema& schema) override { return inner_.prepare(schema); }
  Status write(std::span<const SinkBatch* const> batches) override {
    ++writes;
    if (failures_ > 0) {
      --failures_;
      return Error::make(Errc::unavailable, "store is down", retriable_);
    }
    return inner_.write(batches);
  }
  bool stores_offsets() const override { return true; }
  Result<OffsetMap> stored_offsets(const std::string& g, const std::string& t) override {
    return inner_.stored_offsets(g, t);
  }
  std::string describe_self() const override { return "flaky " + inner_.describe_self(); }
  int writes = 0;

 private:
  Sink& inner_;
  int failures_;
  bool retriable_;
};

void append_users(EmbeddedLog& log, size_t count) {
  RandomUserGenerator generator(GeneratorOptions{.seed = "flaky"});
  std::vector<Record> batch;
  for (size_t i = 0; i < count; ++i) batch.push_back(generator.record(i, now_ms()));
  ASSERT_TRUE(log.append(kTopic, batch, nullptr, 0).ok());
}

TEST_F(ProcessorTest, RetriableSinkErrorsAreRetriedUntilTheBatchLands) {
  append_users(*log_, 3000);
  auto store = SqliteStore::open({.path = dir_ / "store.db"});
  ASSERT_TRUE(store.ok());
  FlakySink flaky(**store, 3, /*retriable=*/true);
  PipelineCounters counters;
  ASSERT_TRUE(process(flaky, counters).ok());
  EXPECT_EQ(counters.sink_retries, 3u);
  EXPECT_EQ(rows("SELECT count(*) FROM users")[0][0], "3000");
  EXPECT_EQ(*log_->committed(kTopic, kGroup), (OffsetMap{{0, 3000}}));
}

TEST_F(ProcessorTest, AFatalSinkErrorStopsWithoutCommittingAnything) {
  append_users(*log_, 3000);
  auto store = SqliteStore::open({.path = dir_ / "store.db"});
  ASSERT_TRUE(store.ok());
  FlakySink broken(**store, 1000, /*retriable=*/false);
  PipelineCounters counters;
  const Status status = process(broken, counters);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("store is down"), std::string::npos) << status.message();
  EXPECT_EQ(counters.rows_landed, 0u);
  EXPECT_TRUE((*store)->stored_offsets(kGroup, kTopic)->empty());
  EXPECT_TRUE(log_->committed(kTopic, kGroup)->empty()) << "no group offset ahead of the sink";
}

// The program is the caller's choice (a spec or the flagship): without one,
// run() fails at once, before the sink creates a table or a record is read.
TEST_F(ProcessorTest, WithoutAProgramRunFailsBeforeTouchingTheSinkOrTheTopic) {
  append_users(*log_, 100);
  auto store = SqliteStore::open({.path = dir_ / "store.db"});
  ASSERT_TRUE(store.ok());
  auto consumer = EmbeddedConsumer::open(*log_, kTopic, kGroup);
  ASSERT_TRUE(consumer.ok());
  PipelineCounters counters;
  Processor processor(**consumer, **store, ProcessorOptions{.group = kGroup, .topic = kTopic}, counters);
  std::atomic<bool> stop{false};
  const Status status = processor.run(stop, [](const OffsetMap&) { return true; });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::invalid_argument);
  EXPECT_NE(status.message().find("no pipeline program"), std::string::npos) << status.message();
  EXPECT_EQ(counters.consumed, 0u);
  EXPECT_EQ(rows("SELECT count(*) FROM sqlite_master WHERE name = 'users'")[0][0], "0");
  EXPECT_TRUE(log_->committed(kTopic, kGroup)->empty());
}

// A sink that counts the times it was entered while already in use (from
// another thread); each write() lingers, so an overlapping call is seen.
class OverlapCountingSink final : public Sink {
 public:
  explicit OverlapCountingSink(Sink& inner) : inner_(inner) {}
  Status prepare(const TableSchema& schema) override { return inner_.prepare(schema); }
  Status write(std::span<const SinkBatch* const> batches) override {
    Entered entered(*this);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return inner_.write(batches);
  }
  bool stores_offsets() const override { return true; }
  Result<OffsetMap> stored_offsets(const std::string& g, const std::string& t) override {
    Entered entered(*this);
    return inner_.stored_offsets(g, t);
  }
  std::string describe_self() const override { return "overlap-counting " + inner_.describe_self(); }
  std::atomic<int> overlaps{0};

 private:
  struct Entered {
    explicit Entered(OverlapCountingSink& sink) : sink(sink) {
      if (sink.inside_.exchange(true)) ++sink.overlaps;
    }
    ~Entered() { sink.inside_ = false; }
    OverlapCountingSink& sink;
  };
  Sink& inner_;
  std::atomic<bool> inside_{false};
};

// A consumer told at every other poll that it got one more (empty)
// partition, as a Kafka group member is when another member leaves: an
// assignment that comes without a revocation, while batches are in flight.
class ReassignedConsumer final : public Consumer {
 public:
  explicit ReassignedConsumer(Consumer& inner) : inner_(inner) {}
  void set_rebalance_listener(RebalanceListener* listener) override { listener_ = listener; }
  Status start(const OffsetMap& positions) override { return inner_.start(positions); }
  Result<PolledBatch> poll(size_t max_records, std::chrono::milliseconds timeout) override {
    if (listener_ != nullptr && ++polls % 2 == 0) {
      const int32_t partition = 7;  // holds no records: the processor's positions stay as they are
      OffsetMap start;
      if (auto status = listener_->partitions_assigned({&partition, 1}, start); !status) return status.error();
      ++assignments;
    }
    return inner_.poll(max_records, timeout);
  }
  Status commit(const OffsetMap& next_offsets) override { return inner_.commit(next_offsets); }
  int polls = 0;
  int assignments = 0;

 private:
  Consumer& inner_;
  RebalanceListener* listener_ = nullptr;
};

// An assignment reads the sink's stored offsets; the sink thread must not be
// inside the same sink then (one SQLite connection used by two threads at
// once fails at random, e.g. "file is not a database").
TEST_F(ProcessorTest, AnAssignmentMidStreamNeverEntersTheSinkBesideTheSinkThread) {
  append_users(*log_, 20000);
  auto store = SqliteStore::open({.path = dir_ / "store.db"});
  ASSERT_TRUE(store.ok());
  OverlapCountingSink sink(**store);
  auto embedded = EmbeddedConsumer::open(*log_, kTopic, kGroup);
  ASSERT_TRUE(embedded.ok());
  ReassignedConsumer consumer(**embedded);
  PipelineCounters counters;
  ProcessorOptions options{
      .group = kGroup, .topic = kTopic, .batch_records = 500, .program = flagship_program().value()};
  Processor processor(consumer, sink, options, counters);
  std::atomic<bool> stop{false};
  const Status status =
      processor.run(stop, [&](const OffsetMap& positions) { return positions.count(0) && positions.at(0) == 20000; });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_GE(consumer.assignments, 10);
  EXPECT_EQ(sink.overlaps, 0);
  EXPECT_EQ(rows("SELECT count(*) FROM users")[0][0], "20000");
  EXPECT_EQ(*log_->committed(kTopic, kGroup), (OffsetMap{{0, 20000}}));
}

}  // namespace
}  // namespace kascade
