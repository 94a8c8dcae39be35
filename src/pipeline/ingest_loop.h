// pipeline/ingest_loop.h: source -> bus, with the source position stored alongside its records.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "bus/bus.h"
#include "process/pipeline_counters.h"
#include "sources/source.h"

namespace kascade {

// What the summary of a run says about its source.
struct IngestReport {
  // The stored position the source resumed from, when it had nothing more
  // to give from there (a bounded source already at its end, an API already read to its last page).
  std::optional<std::string> done_at;
};

// Resumes `source` from the checkpoint the bus holds for it on `topic`, then
// moves batches of up to `batch_records` to `topic` until the source is
// exhausted or `stop` is set. Each batch is acknowledged (durable) before the
// next is asked for, and carries the source position: a restart neither
// skips nor repeats records. Failed fetch attempts are reported on stderr as
// they happen (at most one line a second); a source that never fetched
// successfully, or whose circuit breaker is open at the end, fails the run
// with its last error. Runs on the calling thread.
Status run_ingest(Source& source, Producer& producer, const std::string& topic, size_t batch_records,
                  const std::atomic<bool>& stop, PipelineCounters& counters, IngestReport* report = nullptr);

}  // namespace kascade
