// bus/embedded/tests/open_topics_test.cc: topics opened at first use, the least recently used idle ones closed.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_log.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using TempDir = test_support::TempDir;

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

std::string topic_name(int i) { return "topic-" + std::to_string(i); }

EmbeddedLogOptions small_options() {
  EmbeddedLogOptions options;
  options.sync = SyncMode::normal;
  options.default_partitions = 2;
  options.max_open_topics = 8;
  return options;
}

// A topic holds at most a writer and a reader connection: db, -wal and -shm each.
constexpr size_t kFdsPerTopic = 6;

TEST(OpenTopics, SixHundredTopicsKeepFileDescriptorsBounded) {
  TempDir dir;
  const size_t baseline = open_fds();
  const size_t bound = baseline + kFdsPerTopic * 8 + 8;
  constexpr int kTopics = 600;
  {
    auto log = EmbeddedLog::open(dir.path, small_options());
    ASSERT_TRUE(log.ok()) << log.error().message;
    size_t most = 0;
    for (int i = 0; i < kTopics; ++i) {
      const std::vector<Record> records{{"k" + std::to_string(i), "v" + std::to_string(i), {}, i}};
      const SourceCheckpoint checkpoint{"src", std::to_string(i)};
      ASSERT_TRUE((*log)->append(topic_name(i), records, &checkpoint).ok()) << i;
      ASSERT_TRUE((*log)->describe(topic_name(i)).ok()) << i;  // opens the shared reader too
      most = std::max(most, open_fds());
      ASSERT_LE((*log)->open_topic_count(), 8u);
    }
    EXPECT_LE(most, bound) << "baseline " << baseline;
    // Walking every topic (the latest checkpoint of a source) stays bounded too.
    auto latest = (*log)->load_checkpoint("src");
    ASSERT_TRUE(latest.ok()) << latest.error().message;
    EXPECT_EQ(latest->value_or(""), std::to_string(kTopics - 1));
    EXPECT_LE(open_fds(), bound);
  }
  // Reopened: nothing is open until used; every record is there.
  auto log = EmbeddedLog::open(dir.path, small_options());
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->open_topic_count(), 0u);
  auto names = (*log)->list_topics();
  ASSERT_TRUE(names.ok());
  ASSERT_EQ(names->size(), static_cast<size_t>(kTopics));
  for (int i = 0; i < kTopics; ++i) {
    auto info = (*log)->describe(topic_name(i));
    ASSERT_TRUE(info.ok()) << info.error().message;
    int64_t found = 0;
    for (const auto& p : info->partitions) {
      auto batch = (*log)->read(topic_name(i), p.partition, 0, SIZE_MAX);
      ASSERT_TRUE(batch.ok());
      for (const auto& r : batch->records) {
        EXPECT_EQ(r.value, "v" + std::to_string(i));
        ++found;
      }
    }
    EXPECT_EQ(found, 1) << topic_name(i);
    auto bad = (*log)->verify(topic_name(i), VerifyDepth::every);
    ASSERT_TRUE(bad.ok());
    EXPECT_TRUE(bad->empty());
  }
  EXPECT_LE(open_fds(), bound);
  EXPECT_LE((*log)->open_topic_count(), 8u);
}

TEST(OpenTopics, ThreadsAppendingToManyTopicsThroughFewOpenOnes) {
  TempDir dir;
  auto options = small_options();
  options.max_open_topics = 3;
  auto log = EmbeddedLog::open(dir.path, options);
  ASSERT_TRUE(log.ok());
  constexpr int kThreads = 4, kAppends = 150, kTopics = 40;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < kAppends; ++i) {
        const std::vector<Record> records{{"", "x", {}, i}};
        if (!(*log)->append(topic_name(static_cast<int>(rng() % kTopics)), records).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0);
  int64_t total = 0;
  for (int i = 0; i < kTopics; ++i) {
    auto info = (*log)->describe(topic_name(i));
    if (!info.ok()) continue;  // never drawn
    for (const auto& p : info->partitions) total += p.end_offset;
  }
  EXPECT_EQ(total, kThreads * kAppends);
  EXPECT_LE((*log)->open_topic_count(), 3u);
}

TEST(OpenTopics, ConsumersOfManyTopicsOpenAtOnce) {
  TempDir dir;
  auto log = EmbeddedLog::open(dir.path, small_options());
  ASSERT_TRUE(log.ok());
  std::vector<std::unique_ptr<EmbeddedConsumer>> consumers;
  for (int i = 0; i < 20; ++i) {
    const std::vector<Record> records{{"k", "v", {}, i}};
    ASSERT_TRUE((*log)->append(topic_name(i), records).ok());
    auto consumer = EmbeddedConsumer::open(**log, topic_name(i), "g");
    ASSERT_TRUE(consumer.ok()) << consumer.error().message;
    consumers.push_back(std::move(*consumer));
  }
  for (auto& consumer : consumers) {
    auto batch = consumer->poll(10, std::chrono::milliseconds(0));
    ASSERT_TRUE(batch.ok());
    EXPECT_EQ(batch->records.size(), 1u);
    ASSERT_TRUE(consumer->commit(consumer->positions()).ok());  // reopens its topic's writer
  }
  EXPECT_LE((*log)->open_topic_count(), 8u);
}

}  // namespace
}  // namespace kascade
