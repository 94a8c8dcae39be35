// process/pipeline_counters.h: the running totals of a pipeline, read by progress and summaries.
#pragma once

#include <atomic>
#include <cstdint>

namespace kascade {

// Written by the ingest, processor and sink threads; read by anyone.
struct PipelineCounters {
  std::atomic<uint64_t> ingested{0};  // records acknowledged by the bus
  std::atomic<uint64_t> ingested_bytes{0};
  std::atomic<uint64_t> consumed{0};      // records read by the processor
  std::atomic<uint64_t> rows_landed{0};   // rows acknowledged by the sink
  std::atomic<uint64_t> dead_letters{0};  // dead letters acknowledged by the sink
  std::atomic<uint64_t> sink_batches{0};  // sink writes (each may group several batches)
  std::atomic<uint64_t> sink_retries{0};
};

}  // namespace kascade
