// bus/embedded/tests/recovery_test.cc: kill -9 mid-append, torn WAL tails, flipped bits and their quarantine.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_log.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

namespace fs = std::filesystem;

using TempDir = test_support::TempDir;

std::vector<PartitionInfo> partitions_of(EmbeddedLog& log, std::string_view topic) {
  auto info = log.describe(topic);
  EXPECT_TRUE(info.ok());
  return info.ok() ? info->partitions : std::vector<PartitionInfo>{};
}

std::unique_ptr<EmbeddedLog> must_open(const std::string& dir, EmbeddedLogOptions options = {}) {
  auto log = EmbeddedLog::open(dir, options);
  if (!log.ok()) ADD_FAILURE() << log.error().message;
  return log.ok() ? std::move(log).value() : nullptr;
}

// A value that can be regenerated from its sequence number (~150-400 bytes).
std::string value_for(int64_t seq) {
  std::mt19937_64 rng(static_cast<uint64_t>(seq) * 7919 + 1);
  std::string v = "{\"seq\":" + std::to_string(seq) + ",\"data\":\"";
  const size_t n = 120 + rng() % 250;
  for (size_t i = 0; i < n; ++i) v += static_cast<char>('a' + rng() % 20);
  return v + "\"}";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Appends 300-record sends forever, reporting each acknowledged total.
[[noreturn]] void child_append_loop(const std::string& dir, int fd, SyncMode sync) {
  EmbeddedLogOptions options;
  options.sync = sync;
  auto log = EmbeddedLog::open(dir, options);
  if (!log) _exit(2);
  int64_t total = 0;
  if (auto info = (*log)->describe("crash"); info.ok()) {
    for (const auto& p : info->partitions) total += p.end_offset;
  }
  while (true) {
    std::vector<Record> records;
    for (int64_t seq = total; seq < total + 300; ++seq) {
      records.push_back({"k" + std::to_string(seq), value_for(seq), {}, seq});
    }
    if (!(*log)->append("crash", records).ok()) _exit(3);
    total += 300;
    if (write(fd, &total, sizeof(total)) != sizeof(total)) _exit(4);
  }
}

// Checks every partition is contiguous from 0 and values match their seq;
// returns how many distinct seqs were found (they must be 0..n-1).
int64_t verify_crash_topic(EmbeddedLog& log) {
  auto info = log.describe("crash");
  if (!info.ok()) return 0;
  std::vector<bool> seen;
  int64_t total = 0;
  for (const auto& p : info->partitions) {
    EXPECT_EQ(p.start_offset, 0);
    auto batch = log.read("crash", p.partition, 0, SIZE_MAX);
    EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message);
    if (!batch.ok()) return -1;
    EXPECT_EQ(static_cast<int64_t>(batch->records.size()), p.end_offset);
    for (size_t i = 0; i < batch->records.size(); ++i) {
      const auto& r = batch->records[i];
      EXPECT_EQ(r.offset, static_cast<int64_t>(i));
      const int64_t seq = r.timestamp_ms;
      EXPECT_EQ(r.key, "k" + std::to_string(seq));
      EXPECT_EQ(r.value, value_for(seq));
      if (seq >= static_cast<int64_t>(seen.size())) seen.resize(static_cast<size_t>(seq) + 1);
      EXPECT_FALSE(seen[static_cast<size_t>(seq)]) << "duplicate " << seq;
      seen[static_cast<size_t>(seq)] = true;
    }
    total += p.end_offset;
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), total);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "missing " << i;
  return total;
}

TEST(Recovery, KillNineNeverLosesAnAcknowledgedRecord) {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  int64_t acked = 0;
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child_append_loop(dir.path, fds[1], round % 2 == 0 ? SyncMode::full : SyncMode::normal);
    }
    close(fds[1]);
    int64_t value = 0;
    if (read(fds[0], &value, sizeof(value)) != static_cast<ssize_t>(sizeof(value))) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      FAIL() << "the appending child never acknowledged a send";
    }
    acked = value;  // the child runs: now kill it at a random moment
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 150000));
    kill(pid, SIGKILL);
    while (read(fds[0], &value, sizeof(value)) == static_cast<ssize_t>(sizeof(value))) acked = value;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    auto log = EmbeddedLog::open(dir.path, {});
    ASSERT_TRUE(log.ok()) << log.error().message;
    // SQLite never exposes a torn batch: every stored batch checks.
    auto bad = (*log)->verify("crash", VerifyDepth::every);
    ASSERT_TRUE(bad.ok()) << bad.error().message;
    EXPECT_TRUE(bad->empty());
    const int64_t total = verify_crash_topic(**log);
    EXPECT_GE(total, acked) << "round " << round;
    EXPECT_LE(total, acked + 300);  // at most the one send in flight
  }
  EXPECT_GT(acked, 0);
}

// A log whose WAL holds everything, and the values each partition must hold.
struct WalSnapshot {
  std::string db;
  std::string wal;
  std::vector<std::vector<std::string>> expected;  // by partition, by offset
};

WalSnapshot make_snapshot(const std::string& dir) {
  WalSnapshot snap;
  EmbeddedLogOptions options;
  options.max_batch_bytes = 8 << 10;
  auto log = must_open(dir, options);
  EXPECT_TRUE(log->create_topic("t", 2).ok());
  snap.expected.resize(2);
  int64_t seq = 0;
  for (int send = 0; send < 40; ++send) {
    std::vector<Record> records;
    for (int i = 0; i < 25; ++i, ++seq) {
      records.push_back({"", value_for(seq), {{"seq", std::to_string(seq)}}, seq});
    }
    const int32_t p = send % 2;
    EXPECT_TRUE(log->append("t", records, nullptr, p).ok());
    for (const auto& r : records) snap.expected[static_cast<size_t>(p)].push_back(r.value);
  }
  // A crash snapshot: copied while the log is open, before any checkpoint.
  snap.db = read_file(log->topic_path("t"));
  snap.wal = read_file(log->topic_path("t") + "-wal");
  return snap;
}

// Opens a copy of the snapshot and checks it serves a clean prefix.
int64_t served_prefix(const std::string& dir, const std::string& db, const std::string& wal, const WalSnapshot& snap) {
  fs::create_directories(dir + "/log");
  write_file(dir + "/log/t.db", db);
  write_file(dir + "/log/t.db-wal", wal);
  auto log = EmbeddedLog::open(dir, {});
  EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
  if (!log.ok()) return -1;
  auto info = (*log)->describe("t");
  if (!info.ok()) return 0;  // even the topic's creation was in the lost tail
  int64_t total = 0;
  for (const auto& p : info->partitions) {
    auto batch = (*log)->read("t", p.partition, 0, SIZE_MAX);
    EXPECT_TRUE(batch.ok()) << batch.error().message;
    EXPECT_EQ(static_cast<int64_t>(batch->records.size()), p.end_offset);
    const auto& want = snap.expected[static_cast<size_t>(p.partition)];
    EXPECT_LE(batch->records.size(), want.size());
    for (size_t i = 0; i < batch->records.size() && i < want.size(); ++i) {
      EXPECT_EQ(batch->records[i].offset, static_cast<int64_t>(i));
      EXPECT_EQ(batch->records[i].value, want[i]);
    }
    total += p.end_offset;
  }
  return total;
}

TEST(Recovery, TruncatedWalServesACleanPrefix) {
  TempDir dir;
  const WalSnapshot snap = make_snapshot(dir.path + "/live");
  ASSERT_GT(snap.wal.size(), 100000u);
  int64_t last = 0;
  int case_no = 0;
  std::vector<size_t> cuts = {0, 20, 5000};
  for (int k = 1; k <= 9; ++k) cuts.push_back(snap.wal.size() * static_cast<size_t>(k) / 10 + 777);
  cuts.push_back(snap.wal.size() - 1);
  cuts.push_back(snap.wal.size());
  for (size_t cut : cuts) {
    const int64_t served =
        served_prefix(dir.path + "/cut" + std::to_string(case_no++), snap.db, snap.wal.substr(0, cut), snap);
    EXPECT_GE(served, last) << "cut at " << cut;
    last = served;
  }
  EXPECT_EQ(last, 1000);  // the whole WAL serves everything
}

TEST(Recovery, DamagedWalFrameIsDiscardedBySqlite) {
  TempDir dir;
  const WalSnapshot snap = make_snapshot(dir.path + "/live");
  std::string wal = snap.wal;
  wal[wal.size() / 2] = static_cast<char>(wal[wal.size() / 2] ^ 0x04);
  const int64_t served = served_prefix(dir.path + "/flip", snap.db, wal, snap);
  EXPECT_GT(served, 0);
  EXPECT_LT(served, 1000);
}

// Writes 6 batches of 10 records to partition 0 of "t", moves the WAL into
// the main file, closes, and returns the stored payload of batch `which`.
std::string write_and_close(const std::string& dir, int which, std::vector<std::string>& values) {
  {
    auto log = must_open(dir);
    EXPECT_TRUE(log->create_topic("t", 1).ok());
    for (int b = 0; b < 6; ++b) {
      std::vector<Record> records;
      for (int i = 0; i < 10; ++i) {
        records.push_back({"k", value_for(b * 10 + i), {}, b * 10 + i});
        values.push_back(records.back().value);
      }
      EXPECT_TRUE(log->append("t", records).ok());
    }
    EXPECT_TRUE(log->checkpoint_wal("t").ok());
  }
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((dir + "/log/t.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT payload FROM batches WHERE base_offset=?1", -1, &stmt, nullptr);
  sqlite3_bind_int64(stmt, 1, which * 10);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  std::string payload(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                      static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return payload;
}

// Flips one bit in every copy of `payload` in the file; returns the count.
int flip_bit_in_file(const std::string& path, const std::string& payload) {
  std::string file = read_file(path);
  int found = 0;
  for (size_t at = 0;;) {
    void* hit = memmem(file.data() + at, file.size() - at, payload.data(), payload.size());
    if (hit == nullptr) break;
    const size_t pos = static_cast<size_t>(static_cast<char*>(hit) - file.data());
    file[pos + payload.size() / 2] = static_cast<char>(file[pos + payload.size() / 2] ^ 0x08);
    ++found;
    at = pos + payload.size();
  }
  write_file(path, file);
  return found;
}

// The file has no WAL and exactly one copy of the payload was flipped.
void flip_one_payload(const std::string& dir, const std::string& payload) {
  ASSERT_FALSE(fs::exists(dir + "/log/t.db-wal") && fs::file_size(dir + "/log/t.db-wal") > 0);
  ASSERT_GE(flip_bit_in_file(dir + "/log/t.db", payload), 1);
}

int64_t count_rows(const std::string& dir, const char* table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((dir + "/log/t.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  const std::string sql = std::string("SELECT count(*) FROM ") + table;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const int64_t n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

TEST(Recovery, FlippedBitInTheTailBatchIsReportedNeverCut) {
  TempDir dir;
  std::vector<std::string> values;
  const std::string payload = write_and_close(dir.path, 5, values);
  flip_one_payload(dir.path, payload);

  auto log = must_open(dir.path);
  auto bad = log->verify("t", VerifyDepth::newest);
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  ASSERT_EQ(bad->size(), 1u);
  EXPECT_EQ((*bad)[0].partition, 0);
  EXPECT_EQ((*bad)[0].base_offset, 50);
  EXPECT_EQ((*bad)[0].last_offset, 59);
  EXPECT_EQ((*bad)[0].file, dir.path + "/log/t.db");
  EXPECT_EQ(partitions_of(*log, "t")[0].end_offset, 60);  // nothing cut
  EXPECT_EQ(count_rows(dir.path, "batches"), 6);
  auto read = log->read("t", 0, 50, SIZE_MAX);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, Errc::corrupt);
  EXPECT_NE(read.error().message.find("t.db: partition 0, offsets 50-59"), std::string::npos) << read.error().message;

  // A consumer refuses to start, wherever its group is.
  auto consumer = EmbeddedConsumer::open(*log, "t", "g");
  ASSERT_FALSE(consumer.ok());
  EXPECT_EQ(consumer.error().code, Errc::corrupt);

  // A producer appends after the corrupt batch: its offsets are never reused.
  std::vector<Record> next{{"k", "after", {}, 1}};
  ASSERT_TRUE(log->append("t", next).ok());
  EXPECT_EQ(partitions_of(*log, "t")[0].end_offset, 61);
  EXPECT_EQ(log->read("t", 0, 60, SIZE_MAX)->records.at(0).value, "after");
}

TEST(Recovery, QuarantineMovesCorruptBatchesAndConsumersSkipTheGap) {
  for (int which : {2, 5}) {
    TempDir dir;
    std::vector<std::string> values;
    const std::string payload = write_and_close(dir.path, which, values);
    flip_one_payload(dir.path, payload);
    auto log = must_open(dir.path);
    auto moved = log->quarantine("t");
    ASSERT_TRUE(moved.ok()) << moved.error().message;
    ASSERT_EQ(moved->size(), 1u);
    EXPECT_EQ((*moved)[0].base_offset, which * 10);
    EXPECT_EQ(count_rows(dir.path, "batches"), 5);
    EXPECT_EQ(count_rows(dir.path, "quarantined_batches"), 1);
    EXPECT_TRUE(log->verify("t", VerifyDepth::every)->empty());
    EXPECT_EQ(partitions_of(*log, "t")[0].end_offset, 60);  // offsets are never reused

    auto consumer = EmbeddedConsumer::open(*log, "t", "g");
    ASSERT_TRUE(consumer.ok()) << consumer.error().message;
    std::vector<std::string> got;
    OffsetMap next;
    for (int polls = 0; polls < 20; ++polls) {
      auto batch = (*consumer)->poll(1000, std::chrono::milliseconds(0));
      ASSERT_TRUE(batch.ok()) << batch.error().message;
      for (const auto& r : batch->records) {
        got.emplace_back(r.value);
        next[0] = r.offset + 1;
      }
    }
    ASSERT_EQ(got.size(), 50u);
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i], values[i < static_cast<size_t>(which) * 10 ? i : i + 10]);
    }
    EXPECT_EQ((*consumer)->positions().at(0), 60);  // past a gap at the end too
    auto done = log->caught_up("t", next);
    ASSERT_TRUE(done.ok());
    EXPECT_TRUE(*done);
    EXPECT_TRUE(log->quarantine("t")->empty());  // a second repair changes nothing
  }
}

TEST(Recovery, FlippedBitInAMiddleBatchIsReportedNeverServed) {
  TempDir dir;
  std::vector<std::string> values;
  const std::string payload = write_and_close(dir.path, 2, values);
  ASSERT_GE(flip_bit_in_file(dir.path + "/log/t.db", payload), 1);

  auto log = must_open(dir.path);
  EXPECT_TRUE(log->verify("t", VerifyDepth::newest)->empty());  // the tail is good
  auto every = log->verify("t", VerifyDepth::every);
  ASSERT_TRUE(every.ok());
  ASSERT_EQ(every->size(), 1u);
  EXPECT_EQ((*every)[0].base_offset, 20);
  EXPECT_EQ(partitions_of(*log, "t")[0].end_offset, 60);
  for (int64_t from : {0, 15, 20, 29}) {
    auto bad = log->read("t", 0, from, SIZE_MAX);
    ASSERT_FALSE(bad.ok()) << from;
    EXPECT_EQ(bad.error().code, Errc::corrupt);
  }
  auto before = log->read("t", 0, 0, 20);  // stops before the bad batch
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->records.size(), 20u);
  auto after = log->read("t", 0, 30, SIZE_MAX);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->records.size(), 30u);
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(after->records[i].value, values[30 + i]);
}

}  // namespace
}  // namespace kascade
