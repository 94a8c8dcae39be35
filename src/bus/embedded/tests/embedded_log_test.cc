// bus/embedded/tests/embedded_log_test.cc: offsets, placement, reads, reopen, groups, checkpoints, retention.
#include "bus/embedded/embedded_log.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bus/partitioner.h"
#include "core/timestamp.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using TempDir = test_support::TempDir;

std::vector<PartitionInfo> partitions_of(EmbeddedLog& log, std::string_view topic) {
  auto info = log.describe(topic);
  EXPECT_TRUE(info.ok());
  return info.ok() ? info->partitions : std::vector<PartitionInfo>{};
}

std::vector<Record> keyed(int from, int count, int64_t ts = 1700000000000) {
  std::vector<Record> out;
  for (int i = from; i < from + count; ++i) {
    out.push_back({"user-" + std::to_string(i), "{\"id\":" + std::to_string(i) + "}", {}, ts});
  }
  return out;
}

std::unique_ptr<EmbeddedLog> open_log(const std::string& dir, EmbeddedLogOptions options = {}) {
  options.sync = SyncMode::normal;  // the crash tests cover full
  auto log = EmbeddedLog::open(dir, options);
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
  return std::move(*log);
}

// Every record of a partition, checking contiguous offsets from the start.
std::vector<std::string> read_all(EmbeddedLog& log, const std::string& topic, int32_t p) {
  auto info = log.describe(topic);
  EXPECT_TRUE(info.ok());
  const PartitionInfo& part = info->partitions[static_cast<size_t>(p)];
  auto batch = log.read(topic, p, 0, SIZE_MAX);
  EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message);
  std::vector<std::string> values;
  int64_t expect = part.start_offset;
  for (const auto& r : batch->records) {
    EXPECT_EQ(r.offset, expect++);
    EXPECT_EQ(r.partition, p);
    values.emplace_back(r.value);
  }
  EXPECT_EQ(expect, part.end_offset);
  return values;
}

TEST(EmbeddedLog, OffsetsAreContiguousAndKeysLandWhereThePartitionerSays) {
  TempDir dir;
  auto log = open_log(dir.path);
  for (int round = 0; round < 3; ++round) {
    const auto records = keyed(round * 400, 400);
    ASSERT_TRUE(log->append("users", records).ok());
  }
  auto info = log->describe("users");
  ASSERT_TRUE(info.ok());
  ASSERT_EQ(info->partitions.size(), 4u);
  int64_t total = 0;
  for (const auto& p : info->partitions) {
    EXPECT_EQ(p.start_offset, 0);
    EXPECT_GT(p.bytes, 0);
    total += p.end_offset;
    auto batch = log->read("users", p.partition, 0, SIZE_MAX);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(static_cast<int64_t>(batch->records.size()), p.end_offset);
    int last_id = -1;
    for (size_t i = 0; i < batch->records.size(); ++i) {
      const auto& r = batch->records[i];
      EXPECT_EQ(r.offset, static_cast<int64_t>(i));
      EXPECT_EQ(partition_for_key(r.key, 4), p.partition) << r.key;
      const int id = std::stoi(std::string(r.key.substr(5)));
      EXPECT_GT(id, last_id);  // send order is kept within a partition
      last_id = id;
      EXPECT_EQ(r.value, "{\"id\":" + std::to_string(id) + "}");
    }
  }
  EXPECT_EQ(total, 1200);
}

TEST(EmbeddedLog, ReadsFromAnyOffsetWithinLimits) {
  TempDir dir;
  EmbeddedLogOptions options;
  options.max_batch_bytes = 700;  // ~20 records per batch: reads cross batches
  auto log = open_log(dir.path, options);
  for (int round = 0; round < 5; ++round) {
    const auto records = keyed(round * 30, 30);
    ASSERT_TRUE(log->append("t", records, nullptr, 2).ok());
  }
  for (int64_t from : {0, 1, 19, 20, 21, 37, 89, 149}) {
    auto all = log->read("t", 2, from, SIZE_MAX);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(static_cast<int64_t>(all->records.size()), 150 - from) << from;
    for (size_t i = 0; i < all->records.size(); ++i) {
      EXPECT_EQ(all->records[i].offset, from + static_cast<int64_t>(i));
      EXPECT_EQ(all->records[i].key, "user-" + std::to_string(from + static_cast<int64_t>(i)));
    }
    auto some = log->read("t", 2, from, 7);
    ASSERT_TRUE(some.ok());
    ASSERT_EQ(some->records.size(), std::min<size_t>(7, static_cast<size_t>(150 - from)));
    EXPECT_EQ(some->records.front().offset, from);
  }
  EXPECT_TRUE(log->read("t", 2, 150, 10)->records.empty());
  EXPECT_TRUE(log->read("t", 2, 1000, 10)->records.empty());
  EXPECT_TRUE(log->read("t", 0, 0, 10)->records.empty());
  // Byte budget: ~14 bytes per record (key + value), first record always.
  auto limited = log->read("t", 2, 0, SIZE_MAX, 100);
  ASSERT_TRUE(limited.ok());
  EXPECT_GE(limited->records.size(), 5u);
  EXPECT_LE(limited->records.size(), 8u);
  EXPECT_EQ(log->read("t", 2, 0, SIZE_MAX, 1)->records.size(), 1u);
  EXPECT_EQ(log->read("t", 9, 0, 10).error().code, Errc::invalid_argument);
  EXPECT_EQ(log->read("missing", 0, 0, 10).error().code, Errc::not_found);
}

TEST(EmbeddedLog, ReopenKeepsEverythingAndContinuesOffsets) {
  TempDir dir;
  std::vector<std::vector<std::string>> before;
  {
    auto log = open_log(dir.path);
    const auto records = keyed(0, 500);
    ASSERT_TRUE(log->append("users", records).ok());
    for (int32_t p = 0; p < 4; ++p) before.push_back(read_all(*log, "users", p));
  }
  auto log = open_log(dir.path);
  auto topics = log->list_topics();
  ASSERT_TRUE(topics.ok());
  EXPECT_EQ(*topics, std::vector<std::string>{"users"});
  for (int32_t p = 0; p < 4; ++p) EXPECT_EQ(read_all(*log, "users", p), before[p]);
  const auto more = keyed(500, 100);
  ASSERT_TRUE(log->append("users", more).ok());
  size_t total = 0;
  for (int32_t p = 0; p < 4; ++p) {
    const auto values = read_all(*log, "users", p);
    EXPECT_TRUE(std::equal(before[p].begin(), before[p].end(), values.begin()));
    total += values.size();
  }
  EXPECT_EQ(total, 600u);
}

TEST(EmbeddedLog, TopicsAreCreatedIdempotently) {
  TempDir dir;
  auto log = open_log(dir.path);
  auto created = log->create_topic("orders", 3);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->partitions.size(), 3u);
  auto again = log->create_topic("orders", 5);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->partitions.size(), 3u);
  EXPECT_EQ(log->create_topic("../etc", 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(log->create_topic("", 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(log->describe("nope").error().code, Errc::not_found);
  log.reset();
  auto reopened = open_log(dir.path);
  EXPECT_EQ(partitions_of(*reopened, "orders").size(), 3u);
}

// `kascade ingest` and `kascade process` started together both create the
// topic file. Two processes (a fork) append to the same new topic at the same
// instant; neither may fail on the other's switch of the new file to WAL.
// (Within one process SQLite shares its file locks between connections, so
// this race needs two processes.)
TEST(EmbeddedLog, TwoProcessesCreatingTheSameNewTopicAtOnceBothSucceed) {
  TempDir dir;
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const std::string data_dir = dir.path + "/round" + std::to_string(round);
    const auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
    auto append_at_start = [&](int from) {
      auto log = EmbeddedLog::open(data_dir, EmbeddedLogOptions{});
      if (!log.ok()) return log.error().message;
      while (std::chrono::steady_clock::now() < start) {
      }
      const Status s = (*log)->append("users.raw", keyed(from, 10));
      return s.ok() ? std::string() : s.error().message;
    };
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      const std::string error = append_at_start(0);
      if (!error.empty()) std::fprintf(stderr, "child, round %d: %s\n", round, error.c_str());
      ::_exit(error.empty() ? 0 : 1);
    }
    const std::string error = append_at_start(10);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(error.empty()) << "round " << round << ": " << error;
    ASSERT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << "round " << round;
    auto log = open_log(data_dir);
    size_t total = 0;
    for (const PartitionInfo& p : partitions_of(*log, "users.raw")) total += static_cast<size_t>(p.end_offset);
    EXPECT_EQ(total, 20u) << "round " << round;
  }
}

TEST(EmbeddedLog, KeylessRecordsRoundRobinAcrossSends) {
  TempDir dir;
  auto log = open_log(dir.path);
  std::vector<Record> records(10, Record{"", "x", {}, 0});
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(log->append("t", records).ok());
  for (const auto& p : partitions_of(*log, "t")) EXPECT_EQ(p.end_offset, 20);
}

TEST(EmbeddedLog, GroupOffsetsAndCheckpointsPersist) {
  TempDir dir;
  {
    auto log = open_log(dir.path);
    const auto records = keyed(0, 10);
    const SourceCheckpoint cp{"randomuser", "page=7"};
    ASSERT_TRUE(log->append("users", records, &cp).ok());
    ASSERT_TRUE(log->commit("users", "proc", {{0, 3}, {2, 1}}).ok());
    ASSERT_TRUE(log->commit("users", "proc", {{0, 4}}).ok());
    ASSERT_TRUE(log->commit("users", "other", {{1, 9}}).ok());
    EXPECT_EQ(log->commit("users", "proc", {{7, 1}}).error().code, Errc::invalid_argument);
  }
  auto log = open_log(dir.path);
  EXPECT_EQ(*log->committed("users", "proc"), (OffsetMap{{0, 4}, {2, 1}}));
  EXPECT_EQ(*log->committed("users", "other"), (OffsetMap{{1, 9}}));
  EXPECT_TRUE(log->committed("users", "new")->empty());
  EXPECT_EQ(log->load_checkpoint("users", "randomuser")->value(), "page=7");
  EXPECT_EQ(log->load_checkpoint("randomuser")->value(), "page=7");
  EXPECT_FALSE(log->load_checkpoint("unknown")->has_value());
  // A checkpoint alone (no records) is stored too.
  const SourceCheckpoint cp{"randomuser", "page=8"};
  ASSERT_TRUE(log->append("users", {}, &cp).ok());
  EXPECT_EQ(log->load_checkpoint("randomuser")->value(), "page=8");
}

// Runs SQL on a topic file through a separate connection.
void run_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

TEST(EmbeddedLog, CheckpointIsAtomicWithTheAppend) {
  TempDir dir;
  auto log = open_log(dir.path);
  const SourceCheckpoint first{"src", "pos-1"};
  const auto initial = keyed(0, 40);
  ASSERT_TRUE(log->append("users", initial, &first).ok());
  const auto before = log->describe("users");
  const std::string path = log->topic_path("users");

  // 1. The batch insert of partition 1 fails after partition 0's went in.
  run_sql(path,
          "CREATE TRIGGER fail_p1 BEFORE INSERT ON batches WHEN NEW.partition=1 "
          "BEGIN SELECT RAISE(ABORT,'injected'); END;");
  const SourceCheckpoint second{"src", "pos-2"};
  const auto more = keyed(40, 40);  // 40 keys cover every partition
  EXPECT_FALSE(log->append("users", more, &second).ok());
  EXPECT_EQ(log->load_checkpoint("users", "src")->value(), "pos-1");
  EXPECT_EQ(partitions_of(*log, "users")[0].end_offset, before->partitions[0].end_offset);
  EXPECT_EQ(read_all(*log, "users", 0).size(), static_cast<size_t>(before->partitions[0].end_offset));
  run_sql(path, "DROP TRIGGER fail_p1");

  // 2. The checkpoint upsert fails after every batch went in.
  run_sql(path,
          "CREATE TRIGGER fail_cp BEFORE UPDATE ON source_checkpoints "
          "BEGIN SELECT RAISE(ABORT,'injected'); END;");
  EXPECT_FALSE(log->append("users", more, &second).ok());
  for (int32_t p = 0; p < 4; ++p) {
    EXPECT_EQ(partitions_of(*log, "users")[p].end_offset, before->partitions[p].end_offset);
  }
  EXPECT_EQ(log->load_checkpoint("users", "src")->value(), "pos-1");
  run_sql(path, "DROP TRIGGER fail_cp");

  // 3. Without faults both land, and offsets continue where they were.
  ASSERT_TRUE(log->append("users", more, &second).ok());
  EXPECT_EQ(log->load_checkpoint("users", "src")->value(), "pos-2");
  int64_t total = 0;
  for (int32_t p = 0; p < 4; ++p) total += static_cast<int64_t>(read_all(*log, "users", p).size());
  EXPECT_EQ(total, 80);
}

TEST(EmbeddedLog, BigRecordsWithinTheLimitAreAccepted) {
  TempDir dir;
  auto log = open_log(dir.path);
  std::vector<Record> big{{"k", std::string(2 << 20, 'x'), {}, 1}};
  for (size_t i = 0; i < big[0].value.size(); i += 97) big[0].value[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(log->append("t", big, nullptr, 0).ok());
  auto got = log->read("t", 0, 0, 10);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0].value, big[0].value);

  std::vector<Record> mixed{{"a", "small", {}, 1}, {"b", std::string(9 << 20, 'y'), {}, 1}};
  const Status s = log->append("t", mixed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::too_large);
  int64_t total = 0;
  for (const auto& p : partitions_of(*log, "t")) total += p.end_offset;
  EXPECT_EQ(total, 1);  // nothing of the failed send
}

TEST(EmbeddedLog, RetentionBySizeDropsOldestWholeBatches) {
  TempDir dir;
  EmbeddedLogOptions options;
  options.compression = Compression::none;
  options.retention_bytes = 5000;
  options.retention_check_interval_ms = 1000000;  // only the explicit call below
  auto log = open_log(dir.path, options);
  for (int i = 0; i < 20; ++i) {
    std::vector<Record> records{{"k", std::string(1000, static_cast<char>('a' + i)), {}, now_ms()}};
    ASSERT_TRUE(log->append("t", records, nullptr, 0).ok());
  }
  const auto before = partitions_of(*log, "t")[0];
  EXPECT_GT(before.bytes, 20000);
  auto deleted = log->enforce_retention(now_ms());
  ASSERT_TRUE(deleted.ok());
  EXPECT_GT(*deleted, 0);
  const auto after = partitions_of(*log, "t")[0];
  EXPECT_EQ(after.end_offset, 20);
  EXPECT_EQ(after.start_offset, *deleted);
  EXPECT_GE(after.bytes, 5000);                // keeps at least retention_bytes ...
  EXPECT_LT(after.bytes, 5000 + 1100);         // ... and at most one batch more
  auto rest = log->read("t", 0, 0, SIZE_MAX);  // below start: served from start
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->records.size(), static_cast<size_t>(20 - after.start_offset));
  EXPECT_EQ(rest->records.front().offset, after.start_offset);
  EXPECT_EQ(rest->records.front().value[0], static_cast<char>('a' + after.start_offset));
}

TEST(EmbeddedLog, RetentionByAgeKeepsEndOffsetWhenEverythingGoes) {
  TempDir dir;
  EmbeddedLogOptions options;
  options.retention_ms = 3600 * 1000;
  options.retention_check_interval_ms = 0;  // every append enforces
  auto log = open_log(dir.path, options);
  const int64_t now = now_ms();
  const auto old_records = keyed(0, 10, now - 2 * 3600 * 1000);
  ASSERT_TRUE(log->append("t", old_records, nullptr, 1).ok());  // deleted by its own append
  auto info = partitions_of(*log, "t")[1];
  EXPECT_EQ(info.start_offset, 10);
  EXPECT_EQ(info.end_offset, 10);
  EXPECT_EQ(info.bytes, 0);
  const auto fresh = keyed(10, 5, now);
  ASSERT_TRUE(log->append("t", fresh, nullptr, 1).ok());
  info = partitions_of(*log, "t")[1];
  EXPECT_EQ(info.start_offset, 10);
  EXPECT_EQ(info.end_offset, 15);
  auto got = log->read("t", 1, 0, SIZE_MAX);
  ASSERT_EQ(got->records.size(), 5u);
  EXPECT_EQ(got->records[0].offset, 10);
  // Hours later, the fresh batch expires too, via the explicit call.
  EXPECT_EQ(*log->enforce_retention(now + 3 * 3600 * 1000), 1);
  EXPECT_EQ(partitions_of(*log, "t")[1].start_offset, 15);
  EXPECT_EQ(partitions_of(*log, "t")[1].end_offset, 15);
}

TEST(EmbeddedLog, CheckpointsArePerTopicListedAndReset) {
  TempDir dir;
  auto log = open_log(dir.path);
  const SourceCheckpoint on_a{"gen", "300"}, on_b{"gen", "20"};
  ASSERT_TRUE(log->append("a", keyed(0, 3), &on_a).ok());
  ASSERT_TRUE(log->append("b", keyed(0, 3), &on_b).ok());
  EXPECT_EQ(log->load_checkpoint("a", "gen")->value(), "300");
  EXPECT_EQ(log->load_checkpoint("b", "gen")->value(), "20");

  auto listed = log->list_checkpoints();
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].topic, "a");
  EXPECT_EQ((*listed)[0].source, "gen");
  EXPECT_EQ((*listed)[0].position, "300");
  EXPECT_TRUE((*listed)[0].updated_ms.has_value());
  EXPECT_EQ((*listed)[1].topic, "b");

  ASSERT_TRUE(log->reset_checkpoint("a", "gen", std::string("120")).ok());
  EXPECT_EQ(log->load_checkpoint("a", "gen")->value(), "120");
  ASSERT_TRUE(log->reset_checkpoint("a", "gen", std::nullopt).ok());
  EXPECT_FALSE(log->load_checkpoint("a", "gen")->has_value());
  EXPECT_EQ(log->load_checkpoint("b", "gen")->value(), "20");
  EXPECT_EQ(log->list_checkpoints()->size(), 1u);
}

}  // namespace
}  // namespace kascade
