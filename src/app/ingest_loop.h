// app/ingest_loop.h: source -> bus, with the source position stored alongside its records.
#pragma once

#include <atomic>
#include <string>

#include "bus/bus.h"
#include "process/pipeline_counters.h"
#include "sources/source.h"

namespace kascade {

// Resumes `source` from the checkpoint the bus holds for it, then moves
// batches of up to `batch_records` to `topic` until the source is exhausted
// or `stop` is set. Each batch is acknowledged (durable) before the next is
// asked for, and carries the source position: a restart neither skips nor
// repeats records. Runs on the calling thread.
Status run_ingest(Source& source, Producer& producer, const std::string& topic, size_t batch_records,
                  const std::atomic<bool>& stop, PipelineCounters& counters);

}  // namespace kascade
