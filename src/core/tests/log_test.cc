// core/tests/log_test.cc: log lines (text, JSON) and the outage's one-warning, interval, one-recovery lines.
#include "core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kascade::logging {
namespace {

TEST(LogLine, JsonEscapesEveryField) {
  const std::string line = format_line(Format::json, 0, Level::warn, "cql", "a \"quoted\"\nmessage",
                                       {{"node", "127.0.0.3:9042"},
                                        {"attempts", uint64_t{3}},
                                        {"down_ms", -5},
                                        {"ok", false},
                                        {"rate", 2.5},
                                        {"odd\"key", "x\\y"}});
  EXPECT_EQ(line,
            R"({"time":"1970-01-01T00:00:00.000Z","level":"warn","component":"cql","message":"a \"quoted\"\nmessage",)"
            R"("node":"127.0.0.3:9042","attempts":3,"down_ms":-5,"ok":false,"rate":2.5,"odd\"key":"x\\y"})");
}

TEST(LogLine, TextIsOneLineWithQuotedValuesWhereNeeded) {
  const std::string line = format_line(Format::text, 1000, Level::info, "pipeline", "two\nlines",
                                       {{"plain", "abc"}, {"spaced", "a b"}, {"empty", ""}, {"n", 7}});
  EXPECT_EQ(line, R"(1970-01-01T00:00:01.000Z info  pipeline: two lines plain=abc spaced="a b" empty="" n=7)");
}

struct Captured {
  Captured() {
    configure({Level::info, Format::json, std::chrono::milliseconds(10000)});
    capture_lines([this](std::string_view line) { lines.emplace_back(line); });
  }
  ~Captured() { capture_lines(nullptr); }
  std::vector<std::string> lines;
};

TEST(LogLevel, BelowTheLevelNothingIsWritten) {
  Captured captured;
  configure({Level::warn, Format::text, std::chrono::milliseconds(10000)});
  info("x", "hidden");
  warn("x", "shown");
  ASSERT_EQ(captured.lines.size(), 1U);
  EXPECT_NE(captured.lines[0].find("warn  x: shown"), std::string::npos);
}

TEST(Outage, OneWarningThenOneLinePerIntervalThenOneRecovery) {
  Captured captured;
  Outage outage("cql", "Cassandra node 127.0.0.3:9042", "node", "127.0.0.3:9042");
  auto now = Outage::Clock::time_point{} + std::chrono::hours(1);
  outage.set_clock([&] { return now; });
  outage.succeeded();              // not down: nothing
  for (int i = 0; i < 100; ++i) {  // 25 s of attempts every 250 ms
    outage.failed("connection refused", "retrying every 250 ms");
    now += std::chrono::milliseconds(250);
  }
  outage.succeeded();
  outage.succeeded();
  ASSERT_EQ(captured.lines.size(), 4U);
  EXPECT_NE(captured.lines[0].find(R"("level":"warn")"), std::string::npos);
  EXPECT_NE(captured.lines[0].find("Cassandra node 127.0.0.3:9042 down: connection refused; retrying every 250 ms"),
            std::string::npos);
  EXPECT_NE(captured.lines[0].find(R"("event":"down")"), std::string::npos);
  EXPECT_NE(captured.lines[1].find(R"("event":"still_down","down_ms":10000,"attempts":41)"), std::string::npos)
      << captured.lines[1];
  EXPECT_NE(captured.lines[2].find(R"("down_ms":20000)"), std::string::npos) << captured.lines[2];
  EXPECT_NE(captured.lines[3].find(R"("level":"info")"), std::string::npos);
  EXPECT_NE(captured.lines[3].find("back after 25.0 s down (100 failed attempts)"), std::string::npos)
      << captured.lines[3];
  EXPECT_NE(captured.lines[3].find(R"("node":"127.0.0.3:9042","event":"recovered","down_ms":25000)"),
            std::string::npos);
  EXPECT_FALSE(outage.down());
}

TEST(Throttle, OneEventPerIntervalCountingTheHeld) {
  Captured captured;
  Throttle throttle;
  const auto start = Throttle::Clock::time_point{} + std::chrono::hours(1);
  uint64_t held = 99;
  EXPECT_TRUE(throttle.allow(held, start));
  EXPECT_EQ(held, 0U);
  EXPECT_FALSE(throttle.allow(held, start + std::chrono::seconds(3)));
  EXPECT_FALSE(throttle.allow(held, start + std::chrono::seconds(9)));
  EXPECT_TRUE(throttle.allow(held, start + std::chrono::seconds(10)));
  EXPECT_EQ(held, 2U);
}

}  // namespace
}  // namespace kascade::logging
