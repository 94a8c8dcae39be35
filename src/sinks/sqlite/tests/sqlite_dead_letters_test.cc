// Tests for sinks/sqlite/sqlite_store_dead_letters.cc: the store's dead letters listed and summed up.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sinks/sqlite/sqlite_store.h"
#include "testing/people_table.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

const TableSchema& kSchema = test_support::kPeopleTable;

// A letter of `topic` at `partition`/`offset`, of `error_class`, failed at `at_ms`, holding `value`.
DeadLetter letter(std::string_view topic, int32_t partition, int64_t offset, std::string_view error_class,
                  int64_t at_ms, std::string_view value = "{}") {
  const ConsumedRecord record{.partition = partition, .offset = offset, .key = "k", .value = value};
  return dead_letter_of(record, topic, error_class, std::string(error_class) + " reason", at_ms);
}

class SqliteDeadLettersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::open({.path = dir_ / "store.db"});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->prepare(kSchema).ok());
    // In this order (the store's order of recency), over two writes.
    SinkBatch batch(&kSchema);
    batch.dead_letters = {letter("users", 0, 1, dead_letter_class::parse, 1000, "abc"),
                          letter("users", 1, 2, dead_letter_class::late, 5000, "{\"late\": 1}"),
                          letter("raw", 0, 3, dead_letter_class::source, 2000, "<html>")};
    ASSERT_TRUE(store_->write(batch).ok());
    batch.dead_letters = {letter("users", 0, 4, dead_letter_class::late, 3000, "{\"late\": 2}"),
                          letter("users", 0, 5, dead_letter_class::parse, 4000, "xy")};
    ASSERT_TRUE(store_->write(batch).ok());
  }

  // The (topic, offset) of each listed letter, in order.
  static std::vector<std::pair<std::string, int64_t>> positions(const std::vector<ListedDeadLetter>& listed) {
    std::vector<std::pair<std::string, int64_t>> out;
    for (const auto& entry : listed) out.emplace_back(entry.letter.topic, entry.letter.offset);
    return out;
  }

  test_support::TempDir dir_{"dead-letters-test"};
  std::unique_ptr<SqliteStore> store_;
};

using Positions = std::vector<std::pair<std::string, int64_t>>;

TEST_F(SqliteDeadLettersTest, ListTakesClassesTopicAndTheLastOldestFirst) {
  auto all = store_->list({});
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(positions(*all), (Positions{{"users", 1}, {"users", 2}, {"raw", 3}, {"users", 4}, {"users", 5}}));

  auto late = store_->list({.classes = {dead_letter_class::late}});
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(positions(*late), (Positions{{"users", 2}, {"users", 4}}));
  const ListedDeadLetter& first = (*late)[0];
  EXPECT_EQ(first.letter.error_class, "late");
  EXPECT_EQ(first.letter.error_message, "late reason");
  EXPECT_EQ(first.letter.partition, 1);
  EXPECT_EQ(first.letter.key, "k");
  EXPECT_EQ(first.letter.failed_at_ms, 5000);
  EXPECT_EQ(first.letter.attempts, 1);
  EXPECT_EQ(first.bytes, 11);               // the record's size...
  EXPECT_TRUE(first.letter.value.empty());  // ...not its bytes

  auto two_classes = store_->list({.classes = {dead_letter_class::source, dead_letter_class::parse}});
  ASSERT_TRUE(two_classes.ok());
  EXPECT_EQ(positions(*two_classes), (Positions{{"users", 1}, {"raw", 3}, {"users", 5}}));

  auto of_raw = store_->list({.topic = "raw"});
  ASSERT_TRUE(of_raw.ok());
  EXPECT_EQ(positions(*of_raw), (Positions{{"raw", 3}}));

  auto last_two = store_->list({.topic = "users", .last = 2});
  ASSERT_TRUE(last_two.ok());
  EXPECT_EQ(positions(*last_two), (Positions{{"users", 4}, {"users", 5}}));

  auto none = store_->list({.classes = {dead_letter_class::sink}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteDeadLettersTest, SummaryCountsPerTopicAndClassWithTheNewest) {
  auto summary = store_->summary(2);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  ASSERT_EQ(summary->counts.size(), 3u);
  auto expect_count = [&](size_t i, std::string_view topic, std::string_view error_class, int64_t count,
                          int64_t latest_ms) {
    const DeadLetterCount& c = summary->counts[i];
    EXPECT_EQ(c.topic, topic) << i;
    EXPECT_EQ(c.error_class, error_class) << i;
    EXPECT_EQ(c.count, count) << i;
    EXPECT_EQ(c.latest_ms, latest_ms) << i;
  };
  expect_count(0, "raw", "source", 1, 2000);
  expect_count(1, "users", "late", 2, 5000);
  expect_count(2, "users", "parse", 2, 4000);
  ASSERT_EQ(summary->recent.size(), 2u);  // the newest stored first
  EXPECT_EQ(summary->recent[0].offset, 5);
  EXPECT_EQ(summary->recent[1].offset, 4);
  EXPECT_EQ(summary->recent[1].error_class, "late");
  EXPECT_EQ(summary->recent[1].failed_at_ms, 3000);
}

TEST_F(SqliteDeadLettersTest, AReadOnlyStoreListsWhatAWriterStored) {
  auto reader = SqliteStore::open_read_only(dir_ / "store.db");
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto listed = (*reader)->list({.classes = {dead_letter_class::source}});
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(positions(*listed), (Positions{{"raw", 3}}));
  EXPECT_EQ((*listed)[0].bytes, 6);
  // The writer goes on beside it; the reader sees the new letter at its next read.
  SinkBatch batch(&kSchema);
  batch.dead_letters = {letter("raw", 0, 6, dead_letter_class::source, 6000)};
  ASSERT_TRUE(store_->write(batch).ok());
  auto summary = (*reader)->summary(1);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->counts[0].count, 2);
  EXPECT_EQ(summary->recent[0].offset, 6);

  auto missing = SqliteStore::open_read_only(dir_ / "nothing-here.db");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "nothing-here.db"));
}

}  // namespace
}  // namespace kascade
