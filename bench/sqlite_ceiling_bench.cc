// bench/sqlite_ceiling_bench.cc: what SQLite itself can insert on this machine, without kascade.
//
// Rows shaped like `users` (26 columns: 20 short texts, 5 integers, a uuid
// key), 20,000 per transaction by default, WAL unless told, synchronous=NORMAL, with five
// key layouts. It bounds what the embedded store can reach: upserts need the
// unique key, and random uuids dirty index pages in every transaction.
// Usage: sqlite_ceiling_bench [rows=300000] [rows_per_transaction=20000] [cache_mb=64] [journal_mode=WAL]
#include <sqlite3.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>

namespace {

const char* const kLayouts[] = {
    "text uuid PRIMARY KEY, rowid table, 4 KiB pages",
    "no key at all (no upsert possible), 4 KiB pages",
    "text uuid PRIMARY KEY, WITHOUT ROWID, 4 KiB pages",
    "16-byte blob uuid PRIMARY KEY, rowid table, 4 KiB pages",
    "text uuid PRIMARY KEY, rowid table, 64 KiB pages (kascade)",
};

struct Shape {
  int rows = 300000;
  int rows_per_transaction = 20000;
  int cache_mb = 64;
  std::string journal_mode = "WAL";
};

// The database file and the companions either journal mode leaves beside it.
void remove_database(const std::filesystem::path& file) {
  std::filesystem::remove(file);
  for (const char* suffix : {"-wal", "-shm", "-journal"}) std::filesystem::remove(file.string() + suffix);
}

// SQLite keeps its current mode when asked for one it does not know: read back what it uses.
std::string journal_mode_in_use(sqlite3* db) {
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nullptr);
  std::string mode;
  if (sqlite3_step(statement) == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  return mode;
}

void run(int layout, const Shape& shape, const std::filesystem::path& file) {
  const int rows = shape.rows;
  remove_database(file);
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  const int page_bytes = layout == 4 ? 65536 : 4096;
  const std::string pragmas =
      "PRAGMA page_size=" + std::to_string(page_bytes) + "; PRAGMA journal_mode=" + shape.journal_mode +
      "; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-" + std::to_string(shape.cache_mb * 1024) +
      "; "
      "PRAGMA wal_autocheckpoint=" +
      std::to_string((80 << 20) / page_bytes) + ";";
  sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
  if (const std::string mode = journal_mode_in_use(db); strcasecmp(mode.c_str(), shape.journal_mode.c_str()) != 0) {
    std::fprintf(stderr, "journal_mode=%s was asked for, SQLite uses %s\n", shape.journal_mode.c_str(), mode.c_str());
    sqlite3_close(db);
    remove_database(file);
    std::exit(2);
  }
  std::string columns;
  for (int i = 1; i < 26; ++i) columns += ", c" + std::to_string(i) + (i % 5 == 0 ? " INTEGER" : " TEXT");
  const std::string key = layout == 3 ? "id BLOB NOT NULL" : "id TEXT NOT NULL";  // layout 4: as layout 0
  const std::string create = "CREATE TABLE t (" + key + (layout == 1 ? "" : " PRIMARY KEY") + columns + ")" +
                             (layout == 2 ? " WITHOUT ROWID" : "");
  sqlite3_exec(db, create.c_str(), nullptr, nullptr, nullptr);
  std::string insert = "INSERT INTO t VALUES (?";
  for (int i = 1; i < 26; ++i) insert += ",?";
  insert += ")";
  if (layout != 1) insert += " ON CONFLICT (id) DO UPDATE SET c1 = excluded.c1";
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, insert.c_str(), -1, &statement, nullptr);

  std::mt19937_64 rng(1);
  const std::string text(18, 'x');
  char uuid[40];
  const int kBatch = shape.rows_per_transaction;
  const auto started = std::chrono::steady_clock::now();
  const std::clock_t cpu_started = std::clock();
  for (int i = 0; i < rows; ++i) {
    if (i % kBatch == 0) sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    const uint64_t a = rng(), b = rng();
    std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                  static_cast<unsigned>(b >> 48) & 0xfff, static_cast<unsigned long long>(b & 0xffffffffffffULL));
    const uint64_t blob[2] = {a, b};
    if (layout == 3) {
      sqlite3_bind_blob(statement, 1, blob, 16, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_text(statement, 1, uuid, 36, SQLITE_TRANSIENT);
    }
    for (int c = 2; c <= 26; ++c) {
      if ((c - 1) % 5 == 0) {
        sqlite3_bind_int64(statement, c, i);
      } else {
        sqlite3_bind_text(statement, c, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
      }
    }
    sqlite3_step(statement);
    sqlite3_reset(statement);
    if (i % kBatch == kBatch - 1 || i + 1 == rows) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
  std::printf("%-55s %9.0f rows/s  %6.2f us CPU/row\n", kLayouts[layout], rows / seconds, cpu * 1e6 / rows);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  Shape shape;
  if (argc > 1) shape.rows = std::atoi(argv[1]);
  if (argc > 2) shape.rows_per_transaction = std::max(1, std::atoi(argv[2]));
  if (argc > 3) shape.cache_mb = std::max(1, std::atoi(argv[3]));
  if (argc > 4) shape.journal_mode = argv[4];
  const auto file = std::filesystem::temp_directory_path() / ("kascade-ceiling-" + std::to_string(getpid()) + ".db");
  std::printf("SQLite %s, %d rows of 26 columns, %d per transaction, %d MB page cache, journal_mode=%s\n",
              sqlite3_libversion(), shape.rows, shape.rows_per_transaction, shape.cache_mb, shape.journal_mode.c_str());
  for (int layout = 0; layout < 5; ++layout) run(layout, shape, file);
  remove_database(file);
  return 0;
}
