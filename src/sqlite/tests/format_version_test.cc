// Tests for sqlite/format_version.h: an unstamped file is read and stamped, a newer one refused untouched.
#include "sqlite/format_version.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace kascade {
namespace {

constexpr FileFormat kFormat{"test file", 2};

int64_t user_version(SqliteConnection& db) {
  auto pragma = db.prepare("PRAGMA user_version");
  EXPECT_TRUE(pragma.ok());
  EXPECT_EQ(pragma->step(), SQLITE_ROW);
  return pragma->column_int(0);
}

TEST(FormatVersionTest, AnUnstampedOrOlderFileIsStampedWithTheCurrentFormat) {
  const test_support::TempDir dir("format");
  SqliteConnection db;
  ASSERT_TRUE(db.open((dir / "a.db").string(), SqliteConnection::Mode::create, 1000).ok());
  for (const int older : {0, 1}) {
    ASSERT_TRUE(db.exec(("PRAGMA user_version=" + std::to_string(older)).c_str()).ok());
    auto found = check_format_version(db, (dir / "a.db").string(), kFormat);
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ(*found, older);
    ASSERT_TRUE(stamp_format_version(db, *found, kFormat).ok());
    EXPECT_EQ(user_version(db), 2);
  }
  auto current = check_format_version(db, (dir / "a.db").string(), kFormat);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, 2);
}

TEST(FormatVersionTest, ANewerFormatIsRefusedNamingFileVersionsAndTheWayForward) {
  const test_support::TempDir dir("format");
  const std::string path = dir / "b.db";
  SqliteConnection db;
  ASSERT_TRUE(db.open(path, SqliteConnection::Mode::create, 1000).ok());
  ASSERT_TRUE(db.exec("PRAGMA user_version=3").ok());
  auto found = check_format_version(db, path, kFormat);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, Errc::unsupported_format);
  EXPECT_FALSE(found.error().retriable);
  const std::string& message = found.error().message;
  EXPECT_NE(message.find("test file " + path + " has format version 3"), std::string::npos) << message;
  EXPECT_NE(message.find("supports (2)"), std::string::npos) << message;
  EXPECT_NE(message.find("upgrade kascade"), std::string::npos) << message;
  EXPECT_EQ(user_version(db), 3);
}

}  // namespace
}  // namespace kascade
