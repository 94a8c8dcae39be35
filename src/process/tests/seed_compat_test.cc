// process/tests/seed_compat_test.cc: configs/seed-compat.yaml lands the tutorial stack's messages in created_users
// (embedded bus + SQLite).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_log.h"
#include "process/processor.h"
#include "process/transforms/spec_loader.h"
#include "sinks/sqlite/sqlite_store.h"
#include "testing/temp_dir.h"

namespace kascade {
namespace {

constexpr const char* kTopic = "users_created";

// A message as the tutorial's Airflow task `format_data` produces it: a flat
// JSON object, every value text, `id` a uuid4.
std::string tutorial_message(int i) {
  return fmt::format(
      R"({{"id": "{:08x}-1c2d-4e5f-8a9b-{:012x}", "first_name": "First{}", "last_name": "Last{}", "gender": "{}", )"
      R"("address": "{} Hollow Creek Rd Bozeman, Montana, United States", "post_code": "{}", )"
      R"("email": "user{}@example.com", "username": "user{}", "dob": "1987-11-23T08:41:07.512Z", )"
      R"("registered_date": "2011-05-02T19:03:44.090Z", "phone": "(406) 555-{:04}", )"
      R"("picture": "https://randomuser.me/api/portraits/med/women/{}.jpg"}})",
      0xabc00000 + i, i, i, i, i % 2 ? "male" : "female", 1000 + i, 59000 + i, i, i, i, i % 100);
}

std::vector<std::vector<std::string>> query(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::vector<std::vector<std::string>> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const auto* text = sqlite3_column_text(stmt, c);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "<null>");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

TEST(SeedCompat, TutorialMessagesLandInCreatedUsers) {
  test_support::TempDir dir("seed-compat");
  auto program = load_pipeline_spec_file(KASCADE_SOURCE_DIR "/configs/seed-compat.yaml");
  ASSERT_TRUE(program.ok()) << program.error().message;
  ASSERT_EQ((*program)->schema.name, "created_users");

  auto log = EmbeddedLog::open(dir / "log", EmbeddedLogOptions{.sync = SyncMode::normal});
  ASSERT_TRUE(log.ok()) << log.error().message;
  ASSERT_TRUE((*log)->create_topic(kTopic, 1).ok());
  std::vector<Record> records;
  constexpr int kUsers = 500;
  for (int i = 0; i < kUsers; ++i)
    records.push_back(Record{.value = tutorial_message(i), .timestamp_ms = 1700000000000});
  records.push_back(Record{.value = tutorial_message(7), .timestamp_ms = 1700000000000});  // a replay: upserted
  records.push_back(Record{.value = R"({"first_name": "no id"})", .timestamp_ms = 1700000000000});
  records.push_back(Record{.value = "{\"id\": \"", .timestamp_ms = 1700000000000});
  ASSERT_TRUE((*log)->append(kTopic, records, nullptr, 0).ok());

  auto store = SqliteStore::open({.path = dir / "store.db"});
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto consumer = EmbeddedConsumer::open(**log, kTopic, "spark-streams");
  ASSERT_TRUE(consumer.ok());
  PipelineCounters counters;
  ProcessorOptions options{.group = "spark-streams", .topic = kTopic, .batch_records = 100};
  options.program = *program;
  Processor processor(**consumer, **store, options, counters);
  std::atomic<bool> stop{false};
  const Status status = processor.run(stop, [&](const OffsetMap& positions) {
    return positions.count(0) && positions.at(0) == static_cast<int64_t>(records.size());
  });
  ASSERT_TRUE(status.ok()) << status.message();
  store->reset();

  const auto path = dir / "store.db";
  EXPECT_EQ(query(path, "SELECT count(*) FROM created_users")[0][0], std::to_string(kUsers));
  const auto row = query(path,
                         "SELECT id, first_name, last_name, gender, address, post_code, email, username, dob, "
                         "registered_date, phone, picture FROM created_users WHERE username = 'user42'");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0], (std::vector<std::string>{"abc0002a-1c2d-4e5f-8a9b-00000000002a", "First42", "Last42", "female",
                                              "1042 Hollow Creek Rd Bozeman, Montana, United States", "59042",
                                              "user42@example.com", "user42", "1987-11-23T08:41:07.512Z",
                                              "2011-05-02T19:03:44.090Z", "(406) 555-0042",
                                              "https://randomuser.me/api/portraits/med/women/42.jpg"}));
  const auto letters = query(path, "SELECT offset, error_class, error_message FROM dead_letters ORDER BY offset");
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0],
            (std::vector<std::string>{std::to_string(kUsers + 1), "validation", "/id: missing; /last_name: missing"}));
  EXPECT_EQ(letters[1][1], "parse");
}

}  // namespace
}  // namespace kascade
