// sqlite/format_version.cc: reading, refusing and stamping PRAGMA user_version.
#include "sqlite/format_version.h"

#include <fmt/format.h>

namespace kascade {

Result<int> check_format_version(SqliteConnection& db, const std::string& path, const FileFormat& format) {
  auto pragma = db.prepare("PRAGMA user_version");
  if (!pragma) return pragma.error();
  const int rc = pragma->step();
  if (rc != SQLITE_ROW) return db.error(rc, "read the format version of " + path);
  const int found = static_cast<int>(pragma->column_int(0));
  if (found > format.supported) {
    return Error::make(
        Errc::unsupported_format,
        fmt::format("{} {} has format version {}, newer than this kascade supports ({}): it was written by a newer "
                    "kascade; upgrade kascade to a release that supports format {} (or point this one at another "
                    "data dir). The file was left unchanged.",
                    format.what, path, found, format.supported, found));
  }
  if (found < 0) {
    return Error::make(Errc::corrupt, fmt::format("{} {} has an invalid format version {}", format.what, path, found));
  }
  return found;
}

Status stamp_format_version(SqliteConnection& db, int found, const FileFormat& format) {
  if (found == format.supported) return ok_status();
  const std::string sql = fmt::format("PRAGMA user_version={}", format.supported);
  return db.exec(sql.c_str());
}

}  // namespace kascade
