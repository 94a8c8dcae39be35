// The job_runs table: runs begun, updated and finished in one connection are listed by another; running rows of
// a scheduler that is gone read (and are marked) as interrupted; skipped ticks; the --job filter.
#include "schedule/job_history.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testing/temp_dir.h"

namespace kascade {
namespace {

const ProcessIdentity kScheduler{4242, "boot/1"};

bool never_alive(const ProcessIdentity&) { return false; }
bool always_alive(const ProcessIdentity&) { return true; }

TEST(JobHistoryTest, ARunIsRunningThenFinishedWithItsCountsAndNumberedPerJob) {
  test_support::TempDir dir("job-history");
  const std::string path = (dir / "jobs.db").string();
  {
    JobHistory history;
    ASSERT_TRUE(history.open(path).ok());
    auto first = history.begin_run("nightly", 1763694000000, kScheduler);
    ASSERT_TRUE(first.ok()) << first.error().message;
    EXPECT_EQ(first->run, 1);
    EXPECT_EQ(first->outcome, "running");
    EXPECT_FALSE(first->ended_at_ms);
    ASSERT_TRUE(history.update_run(first->id, {100, 90, 2}, 1763694001000).ok());
    ASSERT_TRUE(history.finish_run(first->id, 1763694060500, {1200, 1197, 3}, job_outcome::ok, "").ok());
    auto other = history.begin_run("hourly", 1763694100000, kScheduler);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->run, 1) << "numbered per job";
    auto second = history.begin_run("nightly", 1763780400000, kScheduler);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->run, 2);
    ASSERT_TRUE(history.finish_run(second->id, 1763780401000, {}, job_outcome::failed, "bus unavailable").ok());
  }
  JobHistory reader;
  ASSERT_TRUE(reader.open_read_only(path).ok());
  auto runs = reader.list("nightly");
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 2u);
  const JobRun& ok = (*runs)[0];
  EXPECT_EQ(ok.job, "nightly");
  EXPECT_EQ(ok.run, 1);
  EXPECT_EQ(ok.started_at_ms, 1763694000000);
  EXPECT_EQ(ok.ended_at_ms, 1763694060500);
  EXPECT_EQ(ok.counts.records, 1200);
  EXPECT_EQ(ok.counts.rows, 1197);
  EXPECT_EQ(ok.counts.dead_letters, 3);
  EXPECT_EQ(ok.outcome, "ok");
  EXPECT_EQ(ok.scheduler.pid, 4242);
  EXPECT_EQ(ok.scheduler.start_token, "boot/1");
  EXPECT_EQ((*runs)[1].outcome, "failed");
  EXPECT_EQ((*runs)[1].reason, "bus unavailable");
  auto all = reader.list();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
}

TEST(JobHistoryTest, ARunningRowOfAGoneSchedulerIsSeenAndMarkedInterruptedWithItsLastCounts) {
  test_support::TempDir dir("job-history");
  const std::string path = (dir / "jobs.db").string();
  JobHistory history;
  ASSERT_TRUE(history.open(path).ok());
  auto run = history.begin_run("j", 1000, kScheduler);
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(history.update_run(run->id, {50, 40, 1}, 3000).ok());

  auto listed = history.list();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(as_seen((*listed)[0], always_alive).outcome, "running");
  const JobRun seen = as_seen((*listed)[0], never_alive);
  EXPECT_EQ(seen.outcome, "interrupted");
  EXPECT_EQ(seen.ended_at_ms, 3000);
  EXPECT_NE(seen.reason.find("pid 4242"), std::string::npos) << seen.reason;

  auto none = history.mark_interrupted(always_alive);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto marked = history.mark_interrupted(never_alive);
  ASSERT_TRUE(marked.ok()) << marked.error().message;
  EXPECT_EQ(*marked, 1);
  auto stored = history.list();
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ((*stored)[0].outcome, "interrupted");
  EXPECT_EQ((*stored)[0].counts.rows, 40);
  EXPECT_EQ((*stored)[0].ended_at_ms, 3000);
  auto again = history.mark_interrupted(never_alive);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0) << "only running rows are marked";
  auto next = history.begin_run("j", 5000, kScheduler);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->run, 2) << "the interrupted run keeps its number";
}

TEST(JobHistoryTest, ASkippedTickHasNoRunNumberAndItsReason) {
  test_support::TempDir dir("job-history");
  JobHistory history;
  ASSERT_TRUE(history.open((dir / "jobs.db").string()).ok());
  ASSERT_TRUE(history.begin_run("j", 1000, kScheduler).ok());
  ASSERT_TRUE(history.record_skipped("j", 2000, "run 1 was still running", kScheduler).ok());
  auto runs = history.list();
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[1].outcome, "skipped");
  EXPECT_FALSE((*runs)[1].run);
  EXPECT_EQ((*runs)[1].started_at_ms, 2000);
  EXPECT_EQ((*runs)[1].ended_at_ms, 2000);
  EXPECT_EQ((*runs)[1].reason, "run 1 was still running");
  EXPECT_EQ(as_seen((*runs)[1], never_alive).outcome, "skipped") << "only running rows can be interrupted";
}

TEST(JobHistoryTest, AFileWithoutTheTableListsNothing) {
  test_support::TempDir dir("job-history");
  const std::string path = (dir / "jobs.db").string();
  {
    SqliteConnection db;
    ASSERT_TRUE(db.open(path, SqliteConnection::Mode::create, 1000).ok());
    ASSERT_TRUE(db.exec("CREATE TABLE users (id TEXT)").ok());
  }
  JobHistory reader;
  ASSERT_TRUE(reader.open_read_only(path).ok());
  auto runs = reader.list();
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST(ProcessIdentityTest, ThisProcessIsAliveAKilledChildIsNotNorAReusedPid) {
  const ProcessIdentity self = this_process();
  EXPECT_FALSE(self.start_token.empty());
  EXPECT_TRUE(is_alive(self));
  EXPECT_FALSE(is_alive({self.pid, self.start_token + "0"})) << "same pid, another start: a reused pid";
  EXPECT_FALSE(is_alive({0, ""}));

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  const ProcessIdentity of_child = identity_of(child);
  EXPECT_TRUE(is_alive(of_child));
  kill(child, SIGKILL);
  int status = 0;
  // Killed but not reaped yet (a zombie) or reaped: gone either way.
  for (int i = 0; i < 2000 && is_alive(of_child); ++i) usleep(1000);
  EXPECT_FALSE(is_alive(of_child));
  waitpid(child, &status, 0);
  EXPECT_FALSE(is_alive(of_child));
}

}  // namespace
}  // namespace kascade
