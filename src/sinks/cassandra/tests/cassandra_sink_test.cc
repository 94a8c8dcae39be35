// Tests of sinks/cassandra and the cql client against the real node started by
// `scripts/services start cassandra` (label cassandra): they fail, never skip,
// when it is not running. Each test works in a keyspace of its own.
#include "sinks/cassandra/cassandra_sink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <random>

#include "cql/binding.h"
#include "testing/people_table.h"

namespace kascade {
namespace {

const TableSchema& kSchema = test_support::kPeopleTable;

constexpr const char* kId1 = "11111111-1111-4111-8111-111111111111";
constexpr const char* kId2 = "22222222-2222-4222-8222-222222222222";

cql::SessionOptions login() {
  cql::SessionOptions o;
  o.contact_points = {"127.0.0.1:9042"};
  o.credentials = {"cassandra", "cassandra"};
  o.connect_timeout = std::chrono::milliseconds(5000);
  return o;
}

class CassandraSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    keyspace_ = "kascade_sink_test_" + std::to_string(rd() % 1000000000);
    auto session = cql::Session::connect(login());
    ASSERT_TRUE(session.ok()) << "is Cassandra running (scripts/services start cassandra)? " << session.error().message;
    session_ = std::move(*session);
    CassandraSinkOptions options;
    options.session = login();
    options.keyspace = keyspace_;
    options.max_in_flight = 64;
    auto sink = CassandraSink::open(std::move(options));
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    sink_ = std::move(*sink);
    auto prepared = sink_->prepare(kSchema);
    ASSERT_TRUE(prepared.ok()) << prepared.message();
  }
  void TearDown() override {
    if (session_) (void)session_->query("DROP KEYSPACE IF EXISTS " + keyspace_);
  }

  std::vector<cql::Row> select(const std::string& cql) {
    auto rows = session_->query_all(cql);
    EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().message);
    return rows.ok() ? rows->rows : std::vector<cql::Row>{};
  }

  Status write(SinkBatch& batch) {
    const SinkBatch* one[] = {&batch};
    return sink_->write(one);
  }

  std::string keyspace_;
  std::unique_ptr<cql::Session> session_;
  std::unique_ptr<CassandraSink> sink_;
};

TEST_F(CassandraSinkTest, WritesRowsThatTheServerReadsBack) {
  SinkBatch batch(&kSchema);
  const size_t r = batch.rows.add_row();
  batch.rows.set_text(r, 0, kId1);
  batch.rows.set_text(r, 1, "Zoë");
  batch.rows.set_integer(r, 2, 42);
  batch.rows.set_real(r, 3, 2.5);
  batch.rows.set_integer(r, 4, 1700000000123);
  ASSERT_TRUE(write(batch).ok());

  auto rows = select("SELECT id, name, age, score, seen_at FROM " + keyspace_ + ".people");
  ASSERT_EQ(rows.size(), 1u);
  std::string id;
  cql::render_value(cql::TypeSpec::of(cql::TypeId::uuid), rows[0][0], false, id);
  EXPECT_EQ(id, kId1);
  EXPECT_EQ(rows[0][1], cql::CqlValue{std::string("Zoë")});
  EXPECT_EQ(rows[0][2], cql::CqlValue{int64_t{42}});
  EXPECT_EQ(rows[0][3], cql::CqlValue{2.5});
  EXPECT_EQ(rows[0][4], cql::CqlValue{int64_t{1700000000123}});
  EXPECT_FALSE(sink_->stores_offsets());
}

// Nulls are UNSET: a null never deletes what is stored (a tombstone would).
TEST_F(CassandraSinkTest, NullsLeaveStoredValuesAlone) {
  ASSERT_TRUE(
      session_
          ->query("INSERT INTO " + keyspace_ + ".people (id, name, age, score) VALUES (" + kId1 + ", 'before', 7, 1.0)")
          .ok());
  SinkBatch batch(&kSchema);
  const size_t r = batch.rows.add_row();  // every column null but the key and age
  batch.rows.set_text(r, 0, kId1);
  batch.rows.set_integer(r, 2, 8);
  ASSERT_TRUE(write(batch).ok());

  auto rows = select("SELECT name, age, score, writetime(name), writetime(age) FROM " + keyspace_ +
                     ".people WHERE id = " + kId1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], cql::CqlValue{std::string("before")});
  EXPECT_EQ(rows[0][1], cql::CqlValue{int64_t{8}});
  EXPECT_EQ(rows[0][2], cql::CqlValue{1.0});
  // name kept its first write time: the sink did not touch the cell at all.
  EXPECT_LT(std::get<int64_t>(rows[0][3].v), std::get<int64_t>(rows[0][4].v));
}

TEST_F(CassandraSinkTest, DeadLettersLandInTheirTable) {
  SinkBatch batch(&kSchema);
  batch.topic = "users.raw";
  batch.dead_letters.push_back(DeadLetter{.key = "k1",
                                          .value = "{not json",
                                          .error_class = "parse",
                                          .error_message = "bad",
                                          .topic = "users.raw",
                                          .partition = 3,
                                          .offset = 99,
                                          .failed_at_ms = 1000,
                                          .attempts = 1});
  ASSERT_TRUE(write(batch).ok());
  auto rows = select("SELECT key, value, error_class, offset FROM " + keyspace_ +
                     ".dead_letters WHERE topic = 'users.raw' AND partition = 3");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1], cql::CqlValue{std::string("{not json")});
  EXPECT_EQ(rows[0][3], cql::CqlValue{int64_t{99}});
}

TEST_F(CassandraSinkTest, ARowWithABadKeyIsDeadLettered) {
  SinkBatch batch(&kSchema);
  batch.topic = "users.raw";
  size_t r = batch.rows.add_row();
  batch.rows.set_text(r, 0, "not-a-uuid");
  batch.rows.set_text(r, 1, "x");
  r = batch.rows.add_row();
  batch.rows.set_text(r, 0, kId2);
  ASSERT_TRUE(write(batch).ok());
  EXPECT_EQ(select("SELECT id FROM " + keyspace_ + ".people").size(), 1u);
  auto letters = select("SELECT key, error_class, value FROM " + keyspace_ + ".dead_letters");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0][0], cql::CqlValue{std::string("not-a-uuid")});
  EXPECT_EQ(letters[0][1], cql::CqlValue{std::string("sink")});
}

// With the rows' sources known (the processor's batches), a refused row's dead
// letter is its record: original bytes, key, topic, partition, offset.
TEST_F(CassandraSinkTest, ARefusedRowIsDeadLetteredWithItsRecord) {
  SinkBatch batch(&kSchema);
  batch.topic = "users.raw";
  size_t r = batch.rows.add_row();
  batch.rows.set_text(r, 0, "not-a-uuid");
  r = batch.rows.add_row();
  batch.rows.set_text(r, 0, kId2);
  const std::string bad = R"({"id": "not-a-uuid"})", good = R"({"id": "ok"})";
  batch.row_sources = {RowSource{2, 41, "key-41", bad}, RowSource{2, 42, "key-42", good}};
  ASSERT_TRUE(write(batch).ok());
  EXPECT_EQ(batch.rows_refused(), 1u);
  EXPECT_EQ(select("SELECT id FROM " + keyspace_ + ".people").size(), 1u);
  auto letters = select("SELECT partition, offset, key, value, error_class FROM " + keyspace_ + ".dead_letters");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0][0], cql::CqlValue{int64_t{2}});
  EXPECT_EQ(letters[0][1], cql::CqlValue{int64_t{41}});
  EXPECT_EQ(letters[0][2], cql::CqlValue{std::string("key-41")});
  EXPECT_EQ(letters[0][3], cql::CqlValue{bad});
  EXPECT_EQ(letters[0][4], cql::CqlValue{std::string("sink")});
}

// `kascade dlq replay` on Cassandra: three dead letters read back by scan();
// one now lands, one maps to a row Cassandra refuses (it stays, class sink,
// attempts + 1), one fails again (attempts + 1); letters of another topic
// are not read.
TEST_F(CassandraSinkTest, DeadLettersAreScannedAndReplayed) {
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
                                            .failed_at_ms = 1700000000000,
                                            .attempts = 1});
  }
  first.dead_letters.push_back(DeadLetter{.key = "other",
                                          .value = "{}",
                                          .error_class = "parse",
                                          .error_message = "x",
                                          .topic = "other-topic",
                                          .partition = 0,
                                          .offset = 1});
  ASSERT_TRUE(write(first).ok());

  DeadLetterStore* store = sink_->dead_letter_store();
  ASSERT_NE(store, nullptr);
  std::vector<DeadLetter> read;
  size_t chunks = 0;
  const Status scanned = store->scan("t", 2, [&](std::vector<DeadLetter>& chunk) -> Status {
    ++chunks;
    EXPECT_LE(chunk.size(), 2u);
    for (DeadLetter& letter : chunk) read.push_back(std::move(letter));
    return ok_status();
  });
  ASSERT_TRUE(scanned.ok()) << scanned.message();
  EXPECT_GE(chunks, 2u);
  ASSERT_EQ(read.size(), 3u);
  std::sort(read.begin(), read.end(), [](const DeadLetter& a, const DeadLetter& b) { return a.offset < b.offset; });
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read[i].key, keys[i]);
    EXPECT_EQ(read[i].value, values[i]);
    EXPECT_EQ(read[i].partition, partitions[i]);
    EXPECT_EQ(read[i].error_class, "mapping");
    EXPECT_EQ(read[i].failed_at_ms, 1700000000000);
    EXPECT_EQ(read[i].attempts, 1);
  }

  SinkBatch replay(&kSchema);
  replay.topic = "t";
  size_t r = replay.rows.add_row();
  replay.rows.set_text(r, 0, kId1);
  replay.row_sources.push_back(RowSource{0, 10, keys[0], values[0], /*attempts_before=*/1});
  r = replay.rows.add_row();
  replay.rows.set_text(r, 0, "not-a-uuid");
  replay.row_sources.push_back(RowSource{1, 11, keys[1], values[1], /*attempts_before=*/1});
  replay.dead_letters.push_back(DeadLetter{.key = keys[2],
                                           .value = values[2],
                                           .error_class = "mapping",
                                           .error_message = "still broken",
                                           .topic = "t",
                                           .partition = 0,
                                           .offset = 12,
                                           .attempts = 2});
  const DeadLetter landed[] = {DeadLetter{.key = keys[0], .topic = "t", .partition = 0, .offset = 10},
                               DeadLetter{.key = keys[1], .topic = "t", .partition = 1, .offset = 11}};
  const Status status = store->write_replayed(replay, landed);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(replay.rows_refused(), 1u);
  EXPECT_TRUE(replay.refused_source(1, 11));

  EXPECT_EQ(select("SELECT id FROM " + keyspace_ + ".people").size(), 1u);
  auto letters =
      select("SELECT topic, partition, offset, key, value, error_class, attempts FROM " + keyspace_ + ".dead_letters");
  std::map<int64_t, cql::Row> by_offset;
  for (auto& row : letters) by_offset[std::get<int64_t>(row[2].v)] = row;
  ASSERT_EQ(by_offset.size(), 3u);  // 0:10 removed; 1:11, 0:12 and the other topic's stay
  EXPECT_EQ(by_offset.count(10), 0u);
  EXPECT_EQ(by_offset[11][5], cql::CqlValue{std::string("sink")});
  EXPECT_EQ(by_offset[11][6], cql::CqlValue{int64_t{2}});
  EXPECT_EQ(by_offset[11][4], cql::CqlValue{values[1]});
  EXPECT_EQ(by_offset[12][5], cql::CqlValue{std::string("mapping")});
  EXPECT_EQ(by_offset[12][6], cql::CqlValue{int64_t{2}});
  EXPECT_EQ(by_offset[1][0], cql::CqlValue{std::string("other-topic")});
}

// A table that was there before (an existing deployment): a column it lacks is
// added; a column of another type is a config error naming it.
TEST_F(CassandraSinkTest, AnExistingTableGetsMissingColumnsAndMismatchesAreRefused) {
  const TableSchema older{"older", {{"id", ColumnType::uuid}, {"name", ColumnType::text}}, {"id"}};
  const TableSchema wider{
      "older", {{"id", ColumnType::uuid}, {"name", ColumnType::text}, {"dob", ColumnType::text}}, {"id"}};
  const TableSchema retyped{"older", {{"id", ColumnType::uuid}, {"name", ColumnType::int32}}, {"id"}};
  ASSERT_TRUE(sink_->prepare(older).ok());
  const Status widened = sink_->prepare(wider);
  ASSERT_TRUE(widened.ok()) << widened.message();
  SinkBatch batch(&wider);
  const size_t r = batch.rows.add_row();
  batch.rows.set_text(r, 0, kId1);
  batch.rows.set_text(r, 2, "1970-01-01T00:00:00.000Z");
  ASSERT_TRUE(write(batch).ok());
  auto rows = select("SELECT dob FROM " + keyspace_ + ".older");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], cql::CqlValue{std::string("1970-01-01T00:00:00.000Z")});
  const Status mismatch = sink_->prepare(retyped);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, Errc::config);
  EXPECT_NE(mismatch.message().find("column name of type text"), std::string::npos) << mismatch.message();
}

TEST_F(CassandraSinkTest, ManyRowsWithBoundedInFlight) {
  SinkBatch batch(&kSchema);
  char id[37];
  for (int i = 0; i < 5000; ++i) {
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-000000000000", i);
    const size_t r = batch.rows.add_row();
    batch.rows.set_text(r, 0, id);
    batch.rows.set_integer(r, 2, i);
  }
  ASSERT_TRUE(write(batch).ok());
  auto count = select("SELECT count(*) FROM " + keyspace_ + ".people");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0][0], cql::CqlValue{int64_t{5000}});
}

// The session bounds the requests in flight: a caller sending more waits (after
// writing what it deferred, or it would wait forever), and every request lands.
TEST_F(CassandraSinkTest, TheSessionBoundsRequestsInFlight) {
  auto options = login();
  options.max_in_flight = 8;
  auto bounded = cql::Session::connect(options);
  ASSERT_TRUE(bounded.ok());
  auto insert = (*bounded)->prepare("INSERT INTO " + keyspace_ + ".people (id, age) VALUES (?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.error().message;
  cql::RequestGroup requests(**bounded);
  char id[37];
  int most = 0;
  for (int i = 0; i < 500; ++i) {
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-0000000000aa", i);
    const cql::Cell cells[] = {cql::Cell::of_text(id), cql::Cell::of_integer(i)};
    ASSERT_TRUE(requests
                    .execute(*insert, cql::BoundValues::cells(cells),
                             {.consistency = cql::Consistency::one, .idempotent = true, .defer_write = true}, 0)
                    .ok());
    most = std::max(most, (*bounded)->in_flight());
  }
  requests.wait();
  EXPECT_TRUE(requests.take_failures().empty());
  EXPECT_LE(most, 8);
  EXPECT_EQ((*bounded)->in_flight(), 0);
  auto count = select("SELECT count(*) FROM " + keyspace_ + ".people");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_EQ(count[0][0], cql::CqlValue{int64_t{500}});
}

// The client's own token computation agrees with the server's token().
TEST_F(CassandraSinkTest, TokensMatchTheServer) {
  auto rows = select(std::string("SELECT token(id) FROM ") + keyspace_ + ".people LIMIT 1");
  SinkBatch batch(&kSchema);
  const size_t r = batch.rows.add_row();
  batch.rows.set_text(r, 0, kId1);
  ASSERT_TRUE(write(batch).ok());
  rows = select(std::string("SELECT token(id) FROM ") + keyspace_ + ".people WHERE id = " + kId1);
  ASSERT_EQ(rows.size(), 1u);
  char raw[16];
  ASSERT_TRUE(cql::uuid_text_to_bytes(kId1, raw));
  const std::string_view key[] = {std::string_view(raw, 16)};
  EXPECT_EQ(rows[0][0], cql::CqlValue{cql::routing_token(key)});
}

// The token the session routes a bound statement by, for a composite partition key
// (the dead letters' (topic, partition)), is the server's token().
TEST_F(CassandraSinkTest, CompositeKeyTokensMatchTheServer) {
  auto insert = session_->prepare("INSERT INTO " + keyspace_ +
                                  ".dead_letters (topic, partition, offset, key) "
                                  "VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.error().message;
  EXPECT_EQ((*insert)->meta.partition_key_indexes, (std::vector<uint16_t>{0, 1}));
  const cql::Cell cells[] = {cql::Cell::of_text("topic-a"), cql::Cell::of_integer(3), cql::Cell::of_integer(9),
                             cql::Cell::of_text("k")};
  std::string frame;
  auto token = cql::bind_execute(**insert, cql::BoundValues::cells(cells), {}, frame);
  ASSERT_TRUE(token.ok() && token->has_value());
  ASSERT_TRUE(session_->execute(*insert, cql::BoundValues::cells(cells), {.consistency = cql::Consistency::one}).ok());
  auto rows = select("SELECT token(topic, partition) FROM " + keyspace_ +
                     ".dead_letters WHERE topic = 'topic-a' AND partition = 3");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], cql::CqlValue{**token});
}

TEST_F(CassandraSinkTest, QueryPagesThroughEveryRow) {
  SinkBatch batch(&kSchema);
  char id[37];
  for (int i = 0; i < 250; ++i) {
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-000000000001", i);
    batch.rows.set_text(batch.rows.add_row(), 0, id);
  }
  ASSERT_TRUE(write(batch).ok());
  auto rows = session_->query_all("SELECT id FROM " + keyspace_ + ".people", cql::Consistency::one, 40);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows.size(), 250u);
}

TEST_F(CassandraSinkTest, ReportsSchemaChangesAndReprepares) {
  std::atomic<int> changes{0};
  auto options = login();
  options.on_schema_change = [&](const cql::SchemaChange&) { ++changes; };
  auto watcher = cql::Session::connect(options);
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE(session_->query("CREATE TABLE " + keyspace_ + ".extra (k int PRIMARY KEY, v int)").ok());
  auto statement = (*watcher)->prepare("INSERT INTO " + keyspace_ + ".extra (k, v) VALUES (?, ?)");
  ASSERT_TRUE(statement.ok());
  for (int i = 0; i < 50 && changes.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_GT(changes.load(), 0);

  // Dropping the table makes the server forget the statement: it answers
  // UNPREPARED, and the client prepares it again and resends.
  ASSERT_TRUE(session_->query("DROP TABLE " + keyspace_ + ".extra").ok());
  ASSERT_TRUE(session_->query("CREATE TABLE " + keyspace_ + ".extra (k int PRIMARY KEY, v int)").ok());
  const cql::Cell values[] = {cql::Cell::of_integer(1), cql::Cell::of_integer(2)};
  auto done = (*watcher)->execute(*statement, cql::BoundValues::cells(values),
                                  {.consistency = cql::Consistency::one, .idempotent = true});
  EXPECT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ((*watcher)->reprepared(), 1u);
  EXPECT_EQ(select("SELECT v FROM " + keyspace_ + ".extra WHERE k = 1").size(), 1u);
}

TEST(CassandraSession, WrongPasswordIsRefusedClearly) {
  auto options = login();
  options.credentials.password = "wrong";
  auto session = cql::Session::connect(options);
  ASSERT_FALSE(session.ok());
  EXPECT_NE(session.error().message.find("refused the login"), std::string::npos) << session.error().message;
  EXPECT_EQ(session.error().message.find("wrong"),
            std::string::npos);  // the secret is never printed
  EXPECT_FALSE(session.error().retriable);
}

}  // namespace
}  // namespace kascade
