// bench/embedded_stages_bench.cc: where the embedded pipeline's time goes, stage by stage, in one run.
//
// Usage: embedded_stages_bench [records=1000000] [set=path=value ...]
// (each `set` as `kascade run --set`, e.g. bus.embedded.sync=full)
//
// Three runs of the flagship pipeline as `kascade run --source generator` wires
// it (pipeline/pipeline.cc), each into a fresh data directory:
//   ingest           generator -> log, nothing consumes
//   without store    generator -> log -> processor (parse, validate, map,
//                    windows) -> a sink that keeps nothing
//   end to end       generator -> log -> processor -> the SQLite store
// Each prints wall seconds, CPU seconds of the whole process (all threads),
// records/s and CPU µs per record. The difference between the last two is what
// the store costs inside the pipeline; on 2 cores, 200,000 records/s allows
// 10 CPU seconds per 1,000,000 records in all.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "bench_support.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_config.h"

namespace {

using namespace kascade;

// Keeps nothing: acknowledges every write at once. Offsets live in the bus
// (stores_offsets false), as with any sink that does not store them.
class DiscardSink final : public Sink {
 public:
  Status prepare(const TableSchema&) override { return ok_status(); }
  Status write(std::span<const SinkBatch* const> batches) override {
    for (const SinkBatch* batch : batches) rows_ += batch->rows.rows();
    return ok_status();
  }
  bool stores_offsets() const override { return false; }
  Result<OffsetMap> stored_offsets(const std::string&, const std::string&) override { return OffsetMap{}; }
  std::string describe_self() const override { return "nothing (discarded)"; }
  Result<WindowCheckpoint> prepare_windows(const TableSchema&) override { return WindowCheckpoint{}; }

  size_t rows() const { return rows_; }

 private:
  size_t rows_ = 0;
};

enum class Stages { ingest, without_store, end_to_end };

[[noreturn]] void fail(const std::string& what, const Status& status) {
  bench::fail("embedded_stages_bench", what, status);
}

// One run, wired as `kascade run` wires it (pipeline/pipeline.h); returns the rows
// the sink took (records for `ingest`).
size_t run(Stages stages, const Config& config) {
  DiscardSink discard;
  PipelineOptions options{.role = stages == Stages::ingest ? PipelineRole::ingest : PipelineRole::all,
                          .sink = stages == Stages::without_store ? &discard : nullptr};
  auto pipeline = Pipeline::open(config, options);
  if (!pipeline) fail("open", pipeline.status());
  if (auto started = (*pipeline)->start(); !started.ok()) fail("start", started);
  if (auto status = (*pipeline)->wait(); !status.ok()) fail("run", status);
  const PipelineCounters& counters = (*pipeline)->counters();
  return stages == Stages::ingest ? counters.ingested.load() : counters.rows_landed.load();
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t records = argc > 1 ? std::stoll(argv[1]) : 1000000;
  const auto work = std::filesystem::temp_directory_path() / ("kascade-stages-bench-" + std::to_string(getpid()));

  std::printf("%-16s %10s %9s %9s %12s %14s\n", "stages", "records", "wall s", "CPU s", "records/s", "CPU us/record");
  const std::pair<Stages, const char*> runs[] = {
      {Stages::ingest, "ingest"}, {Stages::without_store, "without store"}, {Stages::end_to_end, "end to end"}};
  for (const auto& [stages, name] : runs) {
    std::filesystem::remove_all(work);
    Config config = default_config();
    config.data_dir = work.string();
    config.source.records = records;
    for (int i = 2; i < argc; ++i) {
      if (auto status = set_config_option(config, argv[i]); !status) fail(argv[i], status);
    }
    if (auto status = finalize_config(config); !status) fail("config", status);

    const double cpu_started = bench::process_cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    const size_t done = run(stages, config);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu = bench::process_cpu_seconds() - cpu_started;
    if (done != static_cast<size_t>(records)) {
      std::fprintf(stderr, "embedded_stages_bench: %s: %zu of %lld records\n", name, done,
                   static_cast<long long>(records));
      return 1;
    }
    std::printf("%-16s %10lld %9.2f %9.2f %12.0f %14.2f\n", name, static_cast<long long>(records), wall, cpu,
                static_cast<double>(records) / wall, cpu * 1e6 / static_cast<double>(records));
    std::fflush(stdout);
  }
  std::filesystem::remove_all(work);
  return 0;
}
