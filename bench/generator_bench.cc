// bench/generator_bench.cc: users/s and MB/s of the randomuser generator on one core.
//
// Usage: generator_bench [users=1000000] [malformed_ratio=0]
// Three rounds of two passes: append_user_json into one reused buffer (the raw cost of the
// JSON), then record() (what GeneratorSource pays per record: key, value
// and headers in fresh strings). Rates are per second of this thread's CPU time.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sources/generator/randomuser_generator.h"

namespace {

// CPU time of this thread: on a shared machine, wall time also counts the
// time other processes held the core.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void report(const char* what, uint64_t users, size_t bytes, double cpu, double wall) {
  std::printf("%-17s %8llu users  cpu %6.3f s  wall %6.3f s  %8.0f users/s  %6.1f MB/s  %5.0f B/user\n", what,
              static_cast<unsigned long long>(users), cpu, wall, users / cpu, bytes / cpu / 1e6,
              static_cast<double>(bytes) / users);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t users = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const double ratio = argc > 2 ? std::strtod(argv[2], nullptr) : 0.0;
  if (users == 0) {
    std::fprintf(stderr, "usage: %s [users > 0] [malformed_ratio]\n", argv[0]);
    return 2;
  }
  kascade::RandomUserGenerator gen(kascade::GeneratorOptions{.seed = "bench", .malformed_ratio = ratio});

  std::string buffer;
  buffer.reserve(4096);
  for (int pass = 0; pass < 3; ++pass) {  // the first pass also warms caches and tables
    size_t bytes = 0;
    double cpu = thread_cpu_seconds();
    double wall = wall_seconds();
    for (uint64_t i = 0; i < users; ++i) {
      buffer.clear();
      gen.append_user_json(i, buffer);
      bytes += buffer.size();
    }
    report("append_user_json", users, bytes, thread_cpu_seconds() - cpu, wall_seconds() - wall);

    bytes = 0;
    cpu = thread_cpu_seconds();
    wall = wall_seconds();
    for (uint64_t i = 0; i < users; ++i) {
      const kascade::Record rec = gen.record(i, 1700000000000);
      bytes += rec.value.size();
    }
    report("record", users, bytes, thread_cpu_seconds() - cpu, wall_seconds() - wall);
  }
  return 0;
}
