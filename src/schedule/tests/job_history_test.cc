// The job_runs table: runs recorded in one connection are listed, in order, by another.
#include "schedule/job_history.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace kascade {
namespace {

TEST(JobHistoryTest, RecordedRunsAreListedOldestFirstWithEveryField) {
  test_support::TempDir dir("job-history");
  const std::string store = (dir / "store.db").string();
  {
    JobHistory history;
    ASSERT_TRUE(history.open(store).ok());
    ASSERT_TRUE(history.record({"nightly", 1763694000000, 1763694060500, 1200, 3, "ok", ""}).ok());
    ASSERT_TRUE(history.record({"nightly", 1763780400000, 1763780401000, 0, 0, "failed", "bus unavailable"}).ok());
  }
  JobHistory reader;
  ASSERT_TRUE(reader.open_read_only(store).ok());
  auto runs = reader.list();
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].job, "nightly");
  EXPECT_EQ((*runs)[0].started_at_ms, 1763694000000);
  EXPECT_EQ((*runs)[0].ended_at_ms, 1763694060500);
  EXPECT_EQ((*runs)[0].records, 1200);
  EXPECT_EQ((*runs)[0].errors, 3);
  EXPECT_EQ((*runs)[0].outcome, "ok");
  EXPECT_EQ((*runs)[1].outcome, "failed");
  EXPECT_EQ((*runs)[1].message, "bus unavailable");
}

TEST(JobHistoryTest, ReopeningKeepsEarlierRuns) {
  test_support::TempDir dir("job-history");
  const std::string store = (dir / "store.db").string();
  for (int i = 0; i < 3; ++i) {
    JobHistory history;
    ASSERT_TRUE(history.open(store).ok());
    ASSERT_TRUE(history.record({"j", i * 1000, i * 1000 + 1, i, 0, "ok", ""}).ok());
  }
  JobHistory reader;
  ASSERT_TRUE(reader.open_read_only(store).ok());
  auto runs = reader.list();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[2].records, 2);
}

TEST(JobHistoryTest, AStoreWithoutTheTableListsNothing) {
  test_support::TempDir dir("job-history");
  const std::string store = (dir / "store.db").string();
  {
    SqliteConnection db;
    ASSERT_TRUE(db.open(store, SqliteConnection::Mode::create, 1000).ok());
    ASSERT_TRUE(db.exec("CREATE TABLE users (id TEXT)").ok());
  }
  JobHistory reader;
  ASSERT_TRUE(reader.open_read_only(store).ok());
  auto runs = reader.list();
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

}  // namespace
}  // namespace kascade
