// Tests for sqlite/use_check.h: in debug builds, a second thread inside one connection aborts.
#include "sqlite/use_check.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "sqlite/sqlite_db.h"

namespace kascade {
namespace {

#ifndef NDEBUG  // release builds compile the check away

TEST(ConnectionUseCheckTest, OneThreadMayEnterAgainAndThreadsMayTakeTurns) {
  ConnectionUseCheck check;
  {
    const ConnectionUseCheck::Scope outer(&check);
    const ConnectionUseCheck::Scope inner(&check);  // e.g. an SQL function calling back into the connection
  }
  std::thread([&] { const ConnectionUseCheck::Scope later(&check); }).join();
  const ConnectionUseCheck::Scope again(&check);
}

TEST(ConnectionUseCheckDeathTest, ASecondThreadInsideAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ConnectionUseCheck check;
        const ConnectionUseCheck::Scope first(&check);
        std::thread([&] { const ConnectionUseCheck::Scope second(&check); }).join();
      },
      "one SQLite connection used by two threads at once");
}

// An SQL function that says it is running, then waits: the thread that calls
// it stays inside the connection.
std::atomic<bool> g_inside{false};
void announce_and_wait(sqlite3_context* context, int, sqlite3_value**) {
  g_inside = true;
  std::this_thread::sleep_for(std::chrono::seconds(30));
  sqlite3_result_int(context, 1);
}

TEST(ConnectionUseCheckDeathTest, AStatementSteppedWhileAnotherThreadIsInsideTheConnectionAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        SqliteConnection db;
        if (!db.open(":memory:", SqliteConnection::Mode::create, 1000).ok()) std::abort();
        sqlite3_create_function(db.get(), "announce_and_wait", 0, SQLITE_UTF8, nullptr, announce_and_wait, nullptr,
                                nullptr);
        auto select = db.prepare("SELECT 1");
        if (!select.ok()) std::abort();
        std::thread other([&] { (void)db.exec("SELECT announce_and_wait()"); });
        other.detach();
        while (!g_inside) std::this_thread::yield();
        (void)select->step();
      },
      "one SQLite connection used by two threads at once");
}

#endif

}  // namespace
}  // namespace kascade
