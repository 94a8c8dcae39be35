// bench/cassandra_sink_bench.cc: what the Cassandra node takes of `users` rows through the Cassandra sink
// alone, with no pipeline in front: the raw insert capacity that `kascade run --set store.type=cassandra`
// is compared with (the same rows, the same client, the same node).
//
// Usage: cassandra_sink_bench [records=300000] [batch=20000] [path=value ...]
// The `path=value` options are those of `kascade run --set`, e.g.
//   cassandra_sink_bench 300000 20000 store.cassandra.keyspace=bench store.cassandra.username=cassandra
//     store.cassandra.password_env=KASCADE_CASSANDRA_PASSWORD   (all on one line)
// (store.type=cassandra is set here). Maps generator users first (not timed), then times
// Sink::write of each batch of rows, acknowledged by the node before the next, as the processor's sink
// thread writes them.
#include <chrono>
#include <cstdio>
#include <string>

#include "bench_support.h"
#include "config/config.h"
#include "pipeline/sink_factory.h"

using namespace kascade;

namespace {

[[noreturn]] void fail(const std::string& what, const Status& status) {
  bench::fail("cassandra_sink_bench", what, status);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t records = argc > 1 ? std::stoul(argv[1]) : 300000;
  const size_t batch_size = argc > 2 ? std::stoul(argv[2]) : 20000;
  Config config = default_config();
  if (auto status = set_config_option(config, "store.type=cassandra"); !status) fail("config", status);
  for (int i = 3; i < argc; ++i) {
    if (auto status = set_config_option(config, argv[i]); !status) fail(argv[i], status);
  }
  if (auto status = finalize_config(config); !status) fail("config", status);

  const auto batches = bench::mapped_user_batches(records, batch_size, "cassandra-sink-bench");

  auto sink = open_sink(config);
  if (!sink) fail("store", sink.status());
  if (auto status = (*sink)->prepare(users_schema()); !status) fail("prepare", status);

  const double cpu_started = bench::process_cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    const SinkBatch* one[] = {batch.get()};
    if (auto status = (*sink)->write(one); !status) fail("write", status);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = bench::process_cpu_seconds() - cpu_started;
  std::printf("cassandra sink: %zu users rows in writes of %zu into %s: %.0f rows/s, %.2f s, %.2f us CPU/row\n",
              records, batch_size, (*sink)->describe_self().c_str(), static_cast<double>(records) / seconds, seconds,
              cpu * 1e6 / static_cast<double>(records));
  return 0;
}
