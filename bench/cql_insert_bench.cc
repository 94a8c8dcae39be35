// bench/cql_insert_bench.cc: raw insert throughput and latency of kascade's CQL
// client against a real Cassandra node (scripts/services start cassandra).
//
//   cql_insert_bench [rows=200000] [in_flight=128] [password env var=KASCADE_CASSANDRA_PASSWORD]
//
// Writes rows of (id uuid, name text, age int, score double, seen_at timestamp)
// with a prepared INSERT, `in_flight` requests outstanding, and prints
// rows/s plus p50/p99 latency. bench/cql_insert_driver.py does the same with
// the Python cassandra-driver, for the side-by-side figure in docs/benchmarks.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "cql/session.h"

using namespace kascade;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::atol(argv[1]) : 200000;
  const int in_flight = argc > 2 ? std::atoi(argv[2]) : 128;
  const char* password_env = argc > 3 ? argv[3] : "KASCADE_CASSANDRA_PASSWORD";
  const char* password = std::getenv(password_env);

  cql::SessionOptions options;
  options.credentials = {"cassandra", password ? password : "cassandra"};
  auto session = cql::Session::connect(options);
  if (!session) {
    std::fprintf(stderr, "cql_insert_bench: %s\n", session.error().message.c_str());
    return 1;
  }
  auto& s = **session;
  for (const char* ddl : {"CREATE KEYSPACE IF NOT EXISTS kascade_bench WITH replication = "
                          "{'class': 'SimpleStrategy', 'replication_factor': 1}",
                          "DROP TABLE IF EXISTS kascade_bench.kascade_rows",
                          "CREATE TABLE kascade_bench.kascade_rows (id uuid PRIMARY KEY, name text, age int, "
                          "score double, seen_at timestamp)"}) {
    if (auto r = s.query(ddl); !r) {
      std::fprintf(stderr, "cql_insert_bench: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  auto insert = s.prepare(
      "INSERT INTO kascade_bench.kascade_rows (id, name, age, score, seen_at) VALUES (?, ?, ?, ?, "
      "?)");
  if (!insert) {
    std::fprintf(stderr, "cql_insert_bench: %s\n", insert.error().message.c_str());
    return 1;
  }

  std::mutex mutex;
  std::condition_variable changed;
  int outstanding = 0;
  std::atomic<long> failures{0};
  std::vector<double> latency_us(static_cast<size_t>(rows));
  std::mt19937_64 rng(42);
  cql::Uuid id;
  std::string id_text;

  const auto started = Clock::now();
  for (long i = 0; i < rows; ++i) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return outstanding < in_flight; });
      ++outstanding;
    }
    const uint64_t a = rng(), b = rng();
    std::memcpy(id.bytes.data(), &a, 8);
    std::memcpy(id.bytes.data() + 8, &b, 8);
    id_text = cql::format_uuid(id);
    const cql::Cell cells[] = {cql::Cell::of_text(id_text), cql::Cell::of_text("a user name of ordinary length"),
                               cql::Cell::of_integer(i % 90), cql::Cell::of_real(static_cast<double>(i) * 7),
                               cql::Cell::of_integer(1700000000000 + i)};
    const auto sent = Clock::now();
    (void)s.execute_async(
        *insert, cql::BoundValues::cells(cells), {.consistency = cql::Consistency::local_one, .idempotent = true},
        [&, i, sent](Result<cql::ResultMessage> r) {
          latency_us[static_cast<size_t>(i)] = std::chrono::duration<double, std::micro>(Clock::now() - sent).count();
          if (!r) failures.fetch_add(1);
          std::lock_guard lock(mutex);
          --outstanding;
          changed.notify_all();
        });
  }
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return outstanding == 0; });
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::sort(latency_us.begin(), latency_us.end());
  const auto pct = [&](double p) { return latency_us[static_cast<size_t>(p * static_cast<double>(rows - 1))] / 1000; };
  std::printf(
      "kascade cql client: %ld rows in %.2f s = %.0f rows/s, %d in flight, p50 %.2f ms, p99 %.2f "
      "ms, %ld failed\n",
      rows, seconds, static_cast<double>(rows) / seconds, in_flight, pct(0.5), pct(0.99), failures.load());
  return failures.load() == 0 ? 0 : 1;
}
