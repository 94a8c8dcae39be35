// pipeline/tests/pipeline_test.cc: the Pipeline component end to end on the embedded log and the
// SQLite store: counters equal what the store holds, stop and --duration end a run cleanly, a
// failing sink or a second processor on the same data dir is refused.
#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "pipeline/pipeline_config.h"
#include "sqlite/sqlite_db.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

using namespace std::chrono_literals;
using test_support::TempDir;

Config config_in(const TempDir& dir, int64_t records, double malformed_ratio = 0.0) {
  Config config = default_config();
  config.data_dir = dir.path;
  config.source.records = records;
  config.source.malformed_ratio = malformed_ratio;
  EXPECT_TRUE(finalize_config(config).ok());
  return config;
}

int64_t count_in_store(const Config& config, const std::string& table) {
  SqliteConnection db;
  EXPECT_TRUE(db.open(config.store_path().string(), SqliteConnection::Mode::read_only, 10000).ok());
  auto count = db.prepare("SELECT count(*) FROM " + table);
  EXPECT_TRUE(count.ok());
  EXPECT_EQ(count->step(), SQLITE_ROW);
  return count->column_int(0);
}

// Polls `condition` until it holds or a deadline generous for a loaded 2-core machine passes.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

TEST(PipelineTest, ABoundedRunLandsEveryRecordAndItsCountersSayWhere) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 3000, 0.1);
  auto pipeline = Pipeline::open(config, {});
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;
  ASSERT_TRUE((*pipeline)->start().ok());
  const Status status = (*pipeline)->wait();
  ASSERT_TRUE(status.ok()) << status.error().message;

  const PipelineCounters& counters = (*pipeline)->counters();
  EXPECT_EQ(counters.ingested.load(), 3000u);
  EXPECT_GT(counters.dead_letters.load(), 0u);
  EXPECT_EQ(counters.rows_landed.load() + counters.dead_letters.load(), 3000u);
  EXPECT_EQ(count_in_store(config, "users"), static_cast<int64_t>(counters.rows_landed.load()));
  EXPECT_EQ(count_in_store(config, "dead_letters"), static_cast<int64_t>(counters.dead_letters.load()));
  EXPECT_FALSE((*pipeline)->report().stopped);
  EXPECT_EQ((*pipeline)->report().source_name, "generator");
  EXPECT_FALSE((*pipeline)->report().store_description.empty());
}

TEST(PipelineTest, StopEndsAnEndlessRunAndEverythingCountedIsStored) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 0);  // endless
  auto pipeline = Pipeline::open(config, {});
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;
  ASSERT_TRUE((*pipeline)->start().ok());
  ASSERT_TRUE(eventually([&] { return (*pipeline)->counters().rows_landed.load() > 0; }));
  (*pipeline)->stop();
  (*pipeline)->stop();  // twice is harmless
  const Status status = (*pipeline)->wait();
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE((*pipeline)->report().stopped);
  EXPECT_EQ(count_in_store(config, "users"), static_cast<int64_t>((*pipeline)->counters().rows_landed.load()));
}

TEST(PipelineTest, ADurationStopsTheSourceAndTheRunDrainsTheTopic) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 0);
  auto pipeline = Pipeline::open(config, {.role = PipelineRole::all, .duration = 300ms});
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;
  ASSERT_TRUE((*pipeline)->start().ok());
  const Status status = (*pipeline)->wait();
  ASSERT_TRUE(status.ok()) << status.error().message;
  const PipelineCounters& counters = (*pipeline)->counters();
  EXPECT_GT(counters.ingested.load(), 0u);
  EXPECT_EQ(counters.rows_landed.load(), counters.ingested.load());  // drained, not cut
  EXPECT_FALSE((*pipeline)->report().stopped);
}

TEST(PipelineTest, IngestThenProcessAsTwoRolesLandsWhatTheFirstWrote) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 1500);
  auto ingest = Pipeline::open(config, {.role = PipelineRole::ingest});
  ASSERT_TRUE(ingest.ok()) << ingest.error().message;
  ASSERT_TRUE((*ingest)->start().ok());
  ASSERT_TRUE((*ingest)->wait().ok());
  EXPECT_EQ((*ingest)->counters().ingested.load(), 1500u);
  EXPECT_TRUE((*ingest)->report().store_description.empty());

  // `process` alone runs until stopped: stop it once it has landed everything.
  auto process = Pipeline::open(config, {.role = PipelineRole::process});
  ASSERT_TRUE(process.ok()) << process.error().message;
  ASSERT_TRUE((*process)->start().ok());
  ASSERT_TRUE(eventually([&] { return (*process)->counters().rows_landed.load() == 1500u; }));
  (*process)->stop();
  ASSERT_TRUE((*process)->wait().ok());
  EXPECT_EQ((*process)->counters().ingested.load(), 0u);
  EXPECT_EQ(count_in_store(config, "users"), 1500);
}

TEST(PipelineTest, ASecondProcessorOnTheSameDataDirIsRefusedUntilTheFirstCloses) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 10);
  auto first = Pipeline::open(config, {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = Pipeline::open(config, {.role = PipelineRole::process});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("process.lock"), std::string::npos) << second.error().message;
  auto ingest_only = Pipeline::open(config, {.role = PipelineRole::ingest});
  EXPECT_TRUE(ingest_only.ok()) << ingest_only.error().message;  // ingest takes no lock
  first->reset();
  EXPECT_TRUE(Pipeline::open(config, {.role = PipelineRole::process}).ok());
}

// Refuses every write for good.
class RefusingSink final : public Sink {
 public:
  Status prepare(const TableSchema&) override { return ok_status(); }
  Status write(std::span<const SinkBatch* const>) override {
    return Error::make(Errc::io, "the disk is full (refusing sink)");
  }
  bool stores_offsets() const override { return false; }
  Result<OffsetMap> stored_offsets(const std::string&, const std::string&) override { return OffsetMap{}; }
  std::string describe_self() const override { return "a refusing sink"; }
  Result<WindowCheckpoint> prepare_windows(const TableSchema&) override { return WindowCheckpoint{}; }
};

TEST(PipelineTest, ASinkThatFailsForGoodFailsTheRunAndStopsTheSource) {
  TempDir dir("pipeline");
  const Config config = config_in(dir, 0);  // endless: only the failure can end it
  RefusingSink sink;
  auto pipeline = Pipeline::open(config, {.sink = &sink});
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().message;
  ASSERT_TRUE((*pipeline)->start().ok());
  const Status status = (*pipeline)->wait();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("refusing sink"), std::string::npos) << status.error().message;
  EXPECT_EQ((*pipeline)->counters().rows_landed.load(), 0u);
}

TEST(PipelineTest, AMistakeInTheConfigFilesSpecIsAConfigErrorBeforeAnythingOpens) {
  TempDir dir("pipeline");
  const std::string file = (dir / "bad.yaml").string();
  std::ofstream(file) << "table:\n  name: t\n  primary_key: id\n  columns: {id: uuid}\n"
                         "transforms:\n  - parse: json\n  - map:\n      id: nosuchfunction(/x)\n";
  const Config config = config_in(dir, 10);
  auto pipeline = Pipeline::open(config, {.config_file = file});
  ASSERT_FALSE(pipeline.ok());
  EXPECT_EQ(pipeline.error().code, Errc::config);
  EXPECT_NE(pipeline.error().message.find("bad.yaml:8"), std::string::npos) << pipeline.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "topics"));
}

}  // namespace
}  // namespace kascade
