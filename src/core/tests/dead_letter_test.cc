// Tests for core/dead_letter.h: the one builder of dead letters, and the source's mark.
#include "core/dead_letter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kascade {
namespace {

TEST(DeadLetterOf, CopiesTheRecordsBytesAndPositionWithOneAttempt) {
  std::string key = "k-1", value = "{\"not\": json";
  const ConsumedRecord record{.partition = 3, .offset = 42, .timestamp_ms = 7, .key = key, .value = value};
  const DeadLetter letter = dead_letter_of(record, "users", dead_letter_class::parse, "expected '}'", 1234);
  key.assign("changed");  // the letter owns its copies
  value.assign("changed");
  EXPECT_EQ(letter.key, "k-1");
  EXPECT_EQ(letter.value, "{\"not\": json");
  EXPECT_EQ(letter.error_class, "parse");
  EXPECT_EQ(letter.error_message, "expected '}'");
  EXPECT_EQ(letter.topic, "users");
  EXPECT_EQ(letter.partition, 3);
  EXPECT_EQ(letter.offset, 42);
  EXPECT_EQ(letter.failed_at_ms, 1234);
  EXPECT_EQ(letter.attempts, 1);
}

TEST(SourceDeadLetterOf, ARecordWithoutTheMarkIsNoDeadLetter) {
  const std::vector<HeaderView> headers = {{"source", "api"}};
  const ConsumedRecord record{.partition = 0, .offset = 1, .key = "k", .value = "{}", .headers = headers};
  EXPECT_FALSE(source_dead_letter_of(record, "t", 5).has_value());
}

TEST(SourceDeadLetterOf, TheMarkGivesClassAndReason) {
  const std::string mark = source_error_header("malformed body of http://api/page/2: unexpected end");
  EXPECT_EQ(mark, "source: malformed body of http://api/page/2: unexpected end");
  const std::vector<HeaderView> headers = {{"source", "api"}, {kSourceErrorHeader, mark}};
  const ConsumedRecord record{
      .partition = 1, .offset = 9, .key = "http://api/page/2", .value = "[{\"id\": 1", .headers = headers};
  const auto letter = source_dead_letter_of(record, "raw", 77);
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->error_class, dead_letter_class::source);
  EXPECT_EQ(letter->error_message, "malformed body of http://api/page/2: unexpected end");
  EXPECT_EQ(letter->key, "http://api/page/2");
  EXPECT_EQ(letter->value, "[{\"id\": 1");
  EXPECT_EQ(letter->topic, "raw");
  EXPECT_EQ(letter->partition, 1);
  EXPECT_EQ(letter->offset, 9);
  EXPECT_EQ(letter->failed_at_ms, 77);
  EXPECT_EQ(letter->attempts, 1);
}

TEST(SourceDeadLetterOf, AMarkWithoutAReasonIsBothClassAndReason) {
  const std::vector<HeaderView> headers = {{kSourceErrorHeader, "source"}};
  const ConsumedRecord record{.partition = 0, .offset = 0, .key = "k", .value = "v", .headers = headers};
  const auto letter = source_dead_letter_of(record, "t", 1);
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->error_class, "source");
  EXPECT_EQ(letter->error_message, "source");
}

}  // namespace
}  // namespace kascade
