// Tests for sinks/sqlite: upserts, unset nulls, dead letters, offsets in the same transaction.
#include "sinks/sqlite/sqlite_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "testing/people_table.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

const TableSchema& kSchema = test_support::kPeopleTable;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqliteStore::open({.path = dir_ / "store.db"});
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    ASSERT_TRUE(store_->prepare(kSchema).ok());
  }
  void TearDown() override { store_.reset(); }

  // Reads one value as text with a separate connection (what another process sees).
  std::string query(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir_ / "store.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* s = nullptr;
    std::string out = "<error>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
      out = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)
                ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0))
                : "<null>";
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
  }

  test_support::TempDir dir_{"store-test"};
  std::unique_ptr<SqliteStore> store_;
};

void add_person(SinkBatch& batch, const char* id, const char* name, std::optional<int> age) {
  const size_t r = batch.rows.add_row();
  if (id) batch.rows.set_text(r, 0, id);
  if (name) batch.rows.set_text(r, 1, name);
  if (age) batch.rows.set_integer(r, 2, *age);
  batch.rows.set_real(r, 3, 0.5);
  batch.rows.set_integer(r, 4, 743161458674);
}

TEST_F(SqliteStoreTest, UpsertsByKeyAndStoresOffsetsTogether) {
  SinkBatch batch(&kSchema);
  batch.group = "g";
  batch.topic = "t";
  add_person(batch, "a", "Ann", 30);
  add_person(batch, "b", "Bob", 40);
  batch.next_offsets = {{0, 2}, {1, 7}};
  ASSERT_TRUE(store_->write(batch).ok());
  EXPECT_EQ(query("SELECT count(*) FROM people"), "2");
  EXPECT_EQ(query("SELECT seen_at FROM people WHERE id = 'a'"), "1993-07-20T09:44:18.674Z");
  auto offsets = store_->stored_offsets("g", "t");
  ASSERT_TRUE(offsets.ok());
  EXPECT_EQ(*offsets, (OffsetMap{{0, 2}, {1, 7}}));

  // The same key again: one row, updated; a null does not erase the stored value.
  batch.clear();
  add_person(batch, "a", "Anna", std::nullopt);
  batch.next_offsets = {{0, 3}};
  ASSERT_TRUE(store_->write(batch).ok());
  EXPECT_EQ(query("SELECT count(*) FROM people"), "2");
  EXPECT_EQ(query("SELECT name || ' ' || age FROM people WHERE id = 'a'"), "Anna 30");
  EXPECT_EQ(*store_->stored_offsets("g", "t"), (OffsetMap{{0, 3}, {1, 7}}));
  EXPECT_TRUE(store_->stored_offsets("other", "t")->empty());
}

TEST_F(SqliteStoreTest, AFailedBatchLeavesNothingBehind) {
  SinkBatch batch(&kSchema);
  batch.group = "g";
  batch.topic = "t";
  add_person(batch, "a", "Ann", 30);
  add_person(batch, nullptr, "no key", 1);  // NOT NULL primary key: the store refuses it
  batch.dead_letters.push_back(DeadLetter{.value = "x", .error_class = "parse", .topic = "t"});
  batch.next_offsets = {{0, 3}};
  const Status status = store_->write(batch);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("upsert row"), std::string::npos) << status.message();
  EXPECT_EQ(query("SELECT count(*) FROM people"), "0");
  EXPECT_EQ(query("SELECT count(*) FROM dead_letters"), "0");
  EXPECT_TRUE(store_->stored_offsets("g", "t")->empty());
}

TEST_F(SqliteStoreTest, ARowTheTableRefusesBecomesASinkDeadLetterWithItsSource) {
  SinkBatch batch(&kSchema);
  batch.group = "g";
  batch.topic = "t";
  // 100 rows (multi-row statements and single ones); rows 5 and 70 have no key,
  // which the table refuses (NOT NULL): those two alone become dead letters.
  std::vector<std::string> ids, values;
  for (int i = 0; i < 100; ++i) {
    ids.push_back(fmt::format("id-{:03}", i));
    values.push_back(fmt::format("{{\"record\": {}}}", i));
  }
  for (int i = 0; i < 100; ++i) {
    add_person(batch, i == 5 || i == 70 ? nullptr : ids[static_cast<size_t>(i)].c_str(), "x", i);
    batch.row_sources.push_back(
        RowSource{i % 2, 1000 + i, ids[static_cast<size_t>(i)], values[static_cast<size_t>(i)]});
  }
  batch.next_offsets = {{0, 1100}, {1, 1101}};
  const Status status = store_->write(batch);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(batch.rows_refused(), 2u);
  EXPECT_EQ(query("SELECT count(*) FROM people"), "98");
  EXPECT_EQ(query("SELECT group_concat(partition || ':' || offset || ':' || CAST(key AS TEXT) || ':' || "
                  "CAST(value AS TEXT) || ':' || error_class, ' ') FROM (SELECT * FROM dead_letters ORDER BY offset)"),
            "1:1005:id-005:{\"record\": 5}:sink 0:1070:id-070:{\"record\": 70}:sink");
  EXPECT_NE(query("SELECT error_message FROM dead_letters WHERE offset = 1005").find("NOT NULL constraint failed"),
            std::string::npos);
  EXPECT_EQ(*store_->stored_offsets("g", "t"), (OffsetMap{{0, 1100}, {1, 1101}}));
}

TEST_F(SqliteStoreTest, AReplayedRowTheTableRefusesStaysASinkDeadLetter) {
  // Three dead letters, as the processor stored them.
  SinkBatch first(&kSchema);
  first.topic = "t";
  const std::string keys[] = {"k10", "k11", "k12"}, values[] = {"{\"n\": 10}", "{\"n\": 11}", "{\"n\": 12}"};
  const int32_t partitions[] = {0, 1, 0};
  for (size_t i = 0; i < 3; ++i) {
    first.dead_letters.push_back(DeadLetter{.key = keys[i],
                                            .value = values[i],
                                            .error_class = "mapping",
                                            .error_message = "broken",
                                            .topic = "t",
                                            .partition = partitions[i],
                                            .offset = static_cast<int64_t>(10 + i),
                                            .attempts = 1});
  }
  ASSERT_TRUE(store_->write(first).ok());

  // `dlq replay`: 0:10 now maps and lands; 1:11 maps to a row the table refuses
  // (no key: NOT NULL); 0:12 still fails to map.
  SinkBatch replay(&kSchema);
  replay.topic = "t";
  add_person(replay, "a", "Ann", 30);
  replay.row_sources.push_back(RowSource{0, 10, keys[0], values[0], /*attempts_before=*/1});
  add_person(replay, nullptr, "no key", 31);
  replay.row_sources.push_back(RowSource{1, 11, keys[1], values[1], /*attempts_before=*/1});
  // A letter that fails again carries its attempts in total, the earlier one included.
  replay.dead_letters.push_back(DeadLetter{.key = keys[2],
                                           .value = values[2],
                                           .error_class = "mapping",
                                           .error_message = "still broken",
                                           .topic = "t",
                                           .partition = 0,
                                           .offset = 12,
                                           .attempts = 2});
  const DeadLetter landed[] = {DeadLetter{.topic = "t", .partition = 0, .offset = 10},
                               DeadLetter{.topic = "t", .partition = 1, .offset = 11}};
  const Status status = store_->write_replayed(replay, landed);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(replay.rows_refused(), 1u);
  EXPECT_TRUE(replay.refused_source(1, 11));
  EXPECT_FALSE(replay.refused_source(0, 10));
  EXPECT_EQ(query("SELECT group_concat(id || ':' || name, ' ') FROM people"), "a:Ann");
  EXPECT_EQ(query("SELECT group_concat(partition || ':' || offset || ':' || CAST(key AS TEXT) || ':' || "
                  "CAST(value AS TEXT) || ':' || error_class || ':' || attempts, ' ') "
                  "FROM (SELECT * FROM dead_letters ORDER BY offset)"),
            "1:11:k11:{\"n\": 11}:sink:2 0:12:k12:{\"n\": 12}:mapping:2");
  EXPECT_EQ(query("SELECT error_message FROM dead_letters WHERE offset = 11").rfind("store refused the row: ", 0), 0u);
  EXPECT_NE(query("SELECT error_message FROM dead_letters WHERE offset = 11").find("NOT NULL constraint failed"),
            std::string::npos);
}

// scan() hands over a topic's letters a chunk at a time, oldest first; a letter
// written back while its chunk is visited (a replay's "failed again") is not
// read a second time.
TEST_F(SqliteStoreTest, ScanReadsATopicsDeadLettersInChunksOnce) {
  SinkBatch batch(&kSchema);
  for (int64_t offset = 0; offset < 5; ++offset) {
    batch.dead_letters.push_back(DeadLetter{.key = "k" + std::to_string(offset),
                                            .value = "v",
                                            .error_class = "parse",
                                            .error_message = "bad",
                                            .topic = "t",
                                            .partition = 0,
                                            .offset = offset,
                                            .failed_at_ms = 1700000000000 + offset});
  }
  batch.dead_letters.push_back(DeadLetter{.error_class = "parse", .topic = "other", .partition = 0, .offset = 0});
  ASSERT_TRUE(store_->write(batch).ok());

  std::vector<int64_t> offsets;
  std::vector<size_t> sizes;
  const Status status = store_->scan("t", 2, [&](std::vector<DeadLetter>& chunk) -> Status {
    sizes.push_back(chunk.size());
    SinkBatch again(&kSchema);
    again.topic = "t";
    for (DeadLetter& letter : chunk) {
      offsets.push_back(letter.offset);
      EXPECT_EQ(letter.failed_at_ms, 1700000000000 + letter.offset);
      letter.attempts += 1;
      again.dead_letters.push_back(letter);
    }
    return store_->write_replayed(again, {});
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(query("SELECT group_concat(attempts, ',') FROM (SELECT attempts FROM dead_letters ORDER BY id)"),
            "2,2,2,2,2,1");
}

TEST_F(SqliteStoreTest, DeadLettersKeepOriginalBytesReasonAndSource) {
  SinkBatch batch(&kSchema);
  batch.group = "g";
  batch.topic = "users.raw";
  const std::string bytes("{\"a\":\xC3\x28}", 8);
  batch.dead_letters.push_back(DeadLetter{.key = "k1",
                                          .value = bytes,
                                          .error_class = "parse",
                                          .error_message = "invalid UTF-8",
                                          .topic = "users.raw",
                                          .partition = 2,
                                          .offset = 41,
                                          .failed_at_ms = 0});
  batch.next_offsets = {{2, 42}};
  ASSERT_TRUE(store_->write(batch).ok());
  EXPECT_EQ(query("SELECT error_class || '|' || error_message || '|' || topic || '|' || partition || '|' || offset "
                  "|| '|' || attempts || '|' || failed_at FROM dead_letters"),
            "parse|invalid UTF-8|users.raw|2|41|1|1970-01-01T00:00:00.000Z");
  EXPECT_EQ(query("SELECT hex(value) FROM dead_letters"), "7B2261223AC3287D");
  // The same record failing again counts an attempt instead of adding a row.
  ASSERT_TRUE(store_->write(batch).ok());
  EXPECT_EQ(query("SELECT count(*) || ' ' || max(attempts) FROM dead_letters"), "1 2");
}

TEST_F(SqliteStoreTest, AGroupOfBatchesCommitsTogetherOrNotAtAll) {
  SinkBatch first(&kSchema), second(&kSchema), bad(&kSchema);
  for (SinkBatch* b : {&first, &second, &bad}) {
    b->group = "g";
    b->topic = "t";
  }
  add_person(first, "a", "Ann", 1);
  first.next_offsets = {{0, 1}};
  add_person(second, "b", "Bob", 2);
  second.next_offsets = {{0, 2}};
  add_person(bad, nullptr, "no key", 3);
  bad.next_offsets = {{0, 3}};

  const SinkBatch* failing[] = {&first, &second, &bad};
  ASSERT_FALSE(store_->write(failing).ok());
  EXPECT_EQ(query("SELECT count(*) FROM people"), "0");
  EXPECT_TRUE(store_->stored_offsets("g", "t")->empty());

  const SinkBatch* good[] = {&first, &second};
  ASSERT_TRUE(store_->write(good).ok());
  EXPECT_EQ(query("SELECT group_concat(id) FROM (SELECT id FROM people ORDER BY id)"), "a,b");
  EXPECT_EQ(*store_->stored_offsets("g", "t"), (OffsetMap{{0, 2}}));
}

TEST_F(SqliteStoreTest, CreateTableSqlIsTyped) {
  EXPECT_EQ(SqliteStore::create_table_sql(kSchema),
            "CREATE TABLE IF NOT EXISTS people (id TEXT NOT NULL, name TEXT, age INTEGER, score REAL, seen_at TEXT, "
            "PRIMARY KEY (id))");
}

}  // namespace
}  // namespace kascade
