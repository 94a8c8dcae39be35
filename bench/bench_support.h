// bench/bench_support.h: what several benchmarks share — the process's CPU
// time, a failure that ends the benchmark, and generator users mapped into
// sink batches of `users` rows.
#pragma once

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "sinks/sink.h"
#include "sources/generator/randomuser_generator.h"
#include "testing/users_reference/users_mapping.h"

namespace kascade::bench {

// CPU seconds of this process, all threads, user + system: figures per CPU
// second stay meaningful when other work shares the machine.
inline double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

[[noreturn]] inline void fail(const char* benchmark, const std::string& what, const Status& status) {
  std::fprintf(stderr, "%s: %s: %s\n", benchmark, what.c_str(), status.message().c_str());
  std::exit(1);
}

// `records` generator users (seeded by `seed`) mapped by UsersMapper into
// batches of `batch_size` rows for group "bench", topic "users.raw", partition
// 0, each with its next offset: what the processor hands a sink.
inline std::vector<std::unique_ptr<SinkBatch>> mapped_user_batches(size_t records, size_t batch_size,
                                                                   const std::string& seed) {
  RandomUserGenerator generator(GeneratorOptions{.seed = seed});
  UsersMapper mapper;
  std::vector<std::unique_ptr<SinkBatch>> batches;
  for (size_t i = 0; i < records; ++i) {
    if (batches.empty() || batches.back()->rows.rows() == batch_size) {
      batches.push_back(std::make_unique<SinkBatch>(&users_schema()));
      batches.back()->group = "bench";
      batches.back()->topic = "users.raw";
    }
    Record record = generator.record(i, 1700000000000);
    ConsumedRecord consumed{.partition = 0,
                            .offset = static_cast<int64_t>(i),
                            .timestamp_ms = record.timestamp_ms,
                            .key = record.key,
                            .value = record.value};
    if (auto error = mapper.map(consumed, 1700000000500, batches.back()->rows)) {
      std::fprintf(stderr, "mapping generator user %zu failed\n", i);
      std::exit(1);
    }
    batches.back()->next_offsets[0] = static_cast<int64_t>(i) + 1;
  }
  return batches;
}

}  // namespace kascade::bench
