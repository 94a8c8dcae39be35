// bus/embedded/tests/consumer_test.cc: polling across partitions, wait/notify, commit/resume, retention.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_producer.h"
#include "core/timestamp.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;

using TempDir = test_support::TempDir;

std::vector<PartitionInfo> partitions_of(EmbeddedLog& log, std::string_view topic) {
  auto info = log.describe(topic);
  EXPECT_TRUE(info.ok());
  return info.ok() ? info->partitions : std::vector<PartitionInfo>{};
}

std::vector<Record> keyed(int from, int count) {
  std::vector<Record> out;
  for (int i = from; i < from + count; ++i) {
    out.push_back({"user-" + std::to_string(i), "v" + std::to_string(i), {}, now_ms()});
  }
  return out;
}

std::unique_ptr<EmbeddedLog> open_log(const std::string& dir, EmbeddedLogOptions options = {}) {
  options.sync = SyncMode::normal;
  auto log = EmbeddedLog::open(dir, options);
  EXPECT_TRUE(log.ok());
  return std::move(*log);
}

std::unique_ptr<EmbeddedConsumer> consumer(EmbeddedLog& log, const std::string& group) {
  auto c = EmbeddedConsumer::open(log, "users", group);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return std::move(*c);
}

// Polls until `count` records arrived; checks per-partition offset order.
std::vector<std::string> drain(EmbeddedConsumer& c, size_t count, size_t max_records,
                               std::map<int32_t, int64_t>& next_offset) {
  std::vector<std::string> values;
  std::set<int32_t> partitions_in_a_poll;
  for (int polls = 0; values.size() < count && polls < 1000; ++polls) {
    auto batch = c.poll(max_records, 1000ms);
    EXPECT_TRUE(batch.ok());
    if (!batch.ok()) break;
    EXPECT_LE(batch->records.size(), max_records);
    EXPECT_EQ(batch->topic, "users");
    for (const auto& r : batch->records) {
      auto it = next_offset.find(r.partition);
      if (it != next_offset.end()) {
        EXPECT_EQ(r.offset, it->second) << "partition " << r.partition;
      }
      next_offset[r.partition] = r.offset + 1;
      values.emplace_back(r.value);
    }
  }
  return values;
}

TEST(EmbeddedConsumer, PollsEveryPartitionInOffsetOrder) {
  TempDir dir;
  auto log = open_log(dir.path);
  EmbeddedProducer producer(*log);
  const auto records = keyed(0, 1000);
  ASSERT_TRUE(producer.send("users", records, nullptr).ok());
  auto c = consumer(*log, "g");
  ASSERT_TRUE(c->start({}).ok());
  std::map<int32_t, int64_t> next;
  const auto values = drain(*c, 1000, 64, next);
  EXPECT_EQ(values.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(values.begin(), values.end()).size(), 1000u);
  EXPECT_EQ(next.size(), 4u);
  for (const auto& p : partitions_of(*log, "users")) {
    EXPECT_EQ(next[p.partition], p.end_offset);
    EXPECT_EQ(c->positions().at(p.partition), p.end_offset);
  }
  auto empty = c->poll(10, 0ms);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(EmbeddedConsumer, BlockedPollWakesWhenAnotherThreadAppends) {
  TempDir dir;
  auto log = open_log(dir.path);
  auto c = consumer(*log, "g");
  const auto t0 = std::chrono::steady_clock::now();
  auto quiet = c->poll(10, 60ms);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 60ms);

  std::thread writer([&] {
    std::this_thread::sleep_for(150ms);
    const auto records = keyed(0, 1);
    EXPECT_TRUE(log->append("users", records).ok());
  });
  const auto start = std::chrono::steady_clock::now();
  auto batch = c->poll(10, 10s);
  const auto waited = std::chrono::steady_clock::now() - start;
  writer.join();
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->records.size(), 1u);
  EXPECT_EQ(batch->records[0].value, "v0");
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 2s);
}

TEST(EmbeddedConsumer, SeesAppendsOfAnotherProcess) {
  TempDir dir;
  {
    auto log = open_log(dir.path);
    ASSERT_TRUE(log->create_topic("users").ok());
  }
  const pid_t pid = fork();  // before this process opens SQLite again
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    usleep(200 * 1000);
    auto log = EmbeddedLog::open(dir.path, {});
    const auto records = keyed(0, 3);
    _exit(log.ok() && (*log)->append("users", records).ok() ? 0 : 1);
  }
  auto log = open_log(dir.path);
  auto c = consumer(*log, "g");
  std::map<int32_t, int64_t> next;
  const auto start = std::chrono::steady_clock::now();
  const auto values = drain(*c, 3, 10, next);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(values.size(), 3u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(EmbeddedConsumer, CommitThenResume) {
  TempDir dir;
  auto log = open_log(dir.path);
  const auto records = keyed(0, 400);
  ASSERT_TRUE(log->append("users", records).ok());
  std::map<int32_t, int64_t> next;
  {
    auto c = consumer(*log, "g");
    const auto first = drain(*c, 150, 50, next);
    ASSERT_EQ(first.size(), 150u);
    ASSERT_TRUE(c->commit(c->positions()).ok());
  }
  auto resumed = consumer(*log, "g");
  ASSERT_TRUE(resumed->start({}).ok());
  for (const auto& [p, offset] : next) EXPECT_EQ(resumed->positions().at(p), offset);
  const auto rest = drain(*resumed, 250, 1000, next);
  EXPECT_EQ(rest.size(), 250u);

  auto fresh = consumer(*log, "other");  // a new group starts at the beginning
  std::map<int32_t, int64_t> fresh_next;
  EXPECT_EQ(drain(*fresh, 400, 1000, fresh_next).size(), 400u);

  auto explicit_start = consumer(*log, "g");  // explicit positions beat committed ones
  ASSERT_TRUE(explicit_start->start({{0, 0}, {1, 0}, {2, 0}, {3, 0}}).ok());
  std::map<int32_t, int64_t> again;
  EXPECT_EQ(drain(*explicit_start, 400, 1000, again).size(), 400u);
}

TEST(EmbeddedConsumer, PositionBelowStartMovesToStart) {
  TempDir dir;
  EmbeddedLogOptions options;
  options.retention_bytes = 0;  // everything but the newest batch may go
  options.compression = Compression::none;
  options.retention_check_interval_ms = 1000000;
  auto log = open_log(dir.path, options);
  ASSERT_TRUE(log->create_topic("users", 1).ok());
  auto c = consumer(*log, "g");
  ASSERT_TRUE(c->start({{0, 0}}).ok());
  for (int i = 0; i < 5; ++i) {
    const auto records = keyed(i * 10, 10);
    ASSERT_TRUE(log->append("users", records).ok());
  }
  ASSERT_TRUE(log->enforce_retention(now_ms()).ok());
  const auto info = partitions_of(*log, "users")[0];
  EXPECT_EQ(info.start_offset, 50);  // retention 0 drops every batch
  const auto records = keyed(50, 10);
  ASSERT_TRUE(log->append("users", records).ok());
  auto batch = c->poll(100, 1s);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->records.size(), 10u);
  EXPECT_EQ(batch->records.front().offset, 50);
  EXPECT_EQ(c->positions().at(0), 60);
}

}  // namespace
}  // namespace kascade
