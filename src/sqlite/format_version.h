// sqlite/format_version.h: the format version of a kascade SQLite file (PRAGMA user_version).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "sqlite/sqlite_db.h"

namespace kascade {

// Every SQLite file kascade writes (a topic of the embedded log, the store,
// jobs.db) carries the version of its layout in SQLite's user_version header
// field. Version 0 is a file written before versions were stamped: its
// layout is format 1.
struct FileFormat {
  std::string_view what;  // "embedded log topic", "store", "job history"
  int supported = 1;      // the newest format this binary reads and writes
};

// Reads the version stored in the file (0: never stamped, format 1) without
// writing anything. A format newer than `format.supported` is
// Errc::unsupported_format, naming the file, both versions and the way
// forward; this binary never opens it further.
Result<int> check_format_version(SqliteConnection& db, const std::string& path, const FileFormat& format);

// Stamps `format.supported` into the file when `found` (check_format_version's)
// differs: an older or unstamped file whose layout was just migrated. Call it inside the
// transaction that migrates the layout, or on its own.
Status stamp_format_version(SqliteConnection& db, int found, const FileFormat& format);

}  // namespace kascade
