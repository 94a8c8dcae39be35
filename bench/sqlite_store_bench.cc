// bench/sqlite_store_bench.cc: rows/s of the embedded store writing mapped `users` rows.
//
// Usage: sqlite_store_bench [records=200000] [batch=5000]
// Maps generator users first (not timed), then times SqliteStore::write of
// every batch (rows + offsets, one transaction each) into a fresh file.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_support.h"
#include "sinks/sqlite/sqlite_store.h"

using namespace kascade;

int main(int argc, char** argv) {
  const size_t records = argc > 1 ? std::stoul(argv[1]) : 200000;
  const size_t batch_size = argc > 2 ? std::stoul(argv[2]) : 5000;
  const auto dir = std::filesystem::temp_directory_path() / ("kascade-store-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);

  const auto batches = bench::mapped_user_batches(records, batch_size, "store-bench");

  auto store = SqliteStore::open({.path = dir / "store.db"});
  if (!store || !(*store)->prepare(users_schema()).ok()) {
    std::fprintf(stderr, "cannot open the store\n");
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  const clock_t cpu_started = std::clock();
  for (const auto& batch : batches) {
    if (auto status = (*store)->write(*batch); !status) {
      std::fprintf(stderr, "write failed: %s\n", status.message().c_str());
      return 1;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_started) / CLOCKS_PER_SEC;
  std::printf("sqlite store: %zu rows in batches of %zu: %.0f rows/s wall, %.2f us CPU/row, %.1f MB file\n", records,
              batch_size, static_cast<double>(records) / seconds, cpu_seconds * 1e6 / static_cast<double>(records),
              static_cast<double>(std::filesystem::file_size(dir / "store.db")) / 1e6);
  store->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
