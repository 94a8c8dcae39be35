// process/processor.h: the processor — bus records -> mapped rows and dead letters -> sink.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bus/bus.h"
#include "process/pipeline_counters.h"
#include "process/transforms/program.h"
#include "process/windows/window_plan.h"
#include "sinks/sink.h"

namespace kascade {

struct ProcessorOptions {
  std::string group;
  std::string topic;
  size_t batch_records = 5000;  // input records per sink transaction
  std::chrono::milliseconds poll_timeout{100};
  size_t queue_batches = 4;           // mapped batches waiting for the sink
  size_t max_record_bytes = 1 << 20;  // larger records are dead-lettered as too_large
  // The compiled pipeline spec (config `table` + `transforms`, or the flagship's); required:
  // run() fails with Errc::invalid_argument without it.
  std::shared_ptr<const transforms::TransformProgram> program;
  // The windowed aggregation over the mapped rows (process/windows); none: no windows.
  std::optional<WindowPlan> windows;
  int32_t partitions = 1;  // of the topic: every partition's watermark must pass a window's end to close it
  std::chrono::milliseconds max_retry_backoff{5000};
};

// Runs two threads: the calling thread polls the consumer and maps records
// into SinkBatches; a sink thread writes them in order. Between them sits a
// bounded queue, so a slow sink slows consumption instead of growing memory.
//
// Offsets: a batch carries the next offset of every partition it covers and
// is acknowledged by the sink as a whole. When the sink stores offsets (the
// embedded store), the processor starts from them: exactly-once. The group
// offsets on the bus are committed only after the sink acknowledged.
// Consumer groups (Kafka): before partitions are revoked, everything polled
// from them is written and acknowledged, then committed; newly assigned
// partitions start at the sink's stored offsets when it stores them.
class Processor {
 public:
  Processor(Consumer& consumer, Sink& sink, ProcessorOptions options, PipelineCounters& counters);
  ~Processor();

  // Runs until `stop` is set, or until the processor is idle (a poll came
  // back empty and everything was acknowledged) and `finished()` says so.
  // Returns the first error that stopped it (a non-retriable sink error, a
  // bus error); what was acknowledged before it stays committed.
  Status run(const std::atomic<bool>& stop, const std::function<bool(const OffsetMap& positions)>& finished);

 private:
  struct SinkWorker;
  struct RebalanceHook;                     // flushes revoked partitions, starts assigned ones at the sink's offsets
  struct RecordLoop;                        // the steps of run()'s loop: poll, route, hand over, mirror offsets
  const TableSchema& table_schema() const;  // the pipeline program's table

  Consumer& consumer_;
  Sink& sink_;
  ProcessorOptions options_;
  PipelineCounters& counters_;
};

}  // namespace kascade
