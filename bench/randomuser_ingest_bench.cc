// bench/randomuser_ingest_bench.cc: users/s the randomuser source takes from the mock API on loopback,
// 5,000 users per request (kascade) beside one user per request (the tutorial stack's way).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "mockapi/mock_api_server.h"
#include "sources/randomuser/randomuser_source.h"

namespace {

using kascade::RandomUserSource;
using kascade::RandomUserSourceOptions;
using Clock = std::chrono::steady_clock;

// CPU seconds of the whole process (the client and the in-process server): a
// figure that holds on a busy machine, where wall-clock rates do not.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Measured {
  double cpu = 0;
  uint64_t users = 0;
  uint64_t bytes = 0;
  uint64_t requests = 0;
  double seconds = 0;
};

// Drains the source until it has `users` users or `budget` has passed.
Measured drain(RandomUserSource& source, uint64_t users, std::chrono::seconds budget) {
  Measured out;
  const auto start = Clock::now();
  const double cpu_start = cpu_seconds();
  while (out.users < users && Clock::now() - start < budget) {
    auto batch = source.next_batch(5000);
    if (!batch.ok()) {
      std::fprintf(stderr, "randomuser_ingest_bench: %s\n", batch.error().message.c_str());
      std::exit(1);
    }
    for (const kascade::Record& record : batch->records) out.bytes += record.value.size();
    out.users += batch->records.size();
    if (batch->exhausted) break;
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.cpu = cpu_seconds() - cpu_start;
  out.requests = source.fetch_stats().requests;
  return out;
}

RandomUserSourceOptions options(int port, uint32_t per_page, std::optional<uint64_t> max_records) {
  RandomUserSourceOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/api/";
  o.seed = "bench";
  o.results_per_page = per_page;
  o.max_records = max_records;
  return o;
}

void print(const char* what, const Measured& m) {
  std::printf("%-34s %9.0f users/s wall, %9.0f users per CPU second  (%llu users, %llu requests, %.1f MB, %.2f s)\n",
              what, m.users / m.seconds, m.users / m.cpu, static_cast<unsigned long long>(m.users),
              static_cast<unsigned long long>(m.requests), m.bytes / 1e6, m.seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t users = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  kascade::MockApiServer server(kascade::MockApiOptions{.threads = 2});
  auto port = server.start();
  if (!port) {
    std::fprintf(stderr, "randomuser_ingest_bench: %s\n", port.error().message.c_str());
    return 1;
  }
  std::printf("mock API on 127.0.0.1:%d, same machine, one source thread\n", *port);

  RandomUserSource batched(options(*port, 5000, users));
  (void)batched.resume(std::nullopt);
  print("results=5000 per request (kascade)", drain(batched, users, std::chrono::seconds(120)));

  RandomUserSource single(options(*port, 1, std::nullopt));
  (void)single.resume(std::nullopt);
  print("results=1 per request (tutorial)", drain(single, UINT64_MAX, std::chrono::seconds(5)));
  server.stop();
  return 0;
}
