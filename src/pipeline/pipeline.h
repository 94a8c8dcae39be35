// pipeline/pipeline.h: the Pipeline component — source, bus, ingest thread, processor, sink and
// watchdog, wired from one Config. `run`, `ingest`, `process`, `schedule`, the benchmarks and the
// tests all run a pipeline through this class.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "bus/bus.h"
#include "config/config.h"
#include "core/result.h"
#include "pipeline/ingest_loop.h"
#include "pipeline/process_lock.h"
#include "process/pipeline_counters.h"
#include "process/transforms/spec_loader.h"
#include "process/windows/window_plan.h"
#include "sinks/sink.h"

namespace kascade {

// Which halves of the data path run: `all` (source -> topic -> store), `ingest`
// (source -> topic) or `process` (topic -> store).
enum class PipelineRole { all, ingest, process };

struct PipelineOptions {
  PipelineRole role = PipelineRole::all;
  // The file the config came from: its `table` + `transforms` are the pipeline's
  // spec. Empty, or a file without a spec: the flagship pipeline.
  std::string config_file;
  // After this long the source stops (role `process`: the processor stops);
  // role `all` then drains what the topic holds. Unset: until the source is
  // exhausted (role `all`/`ingest`) or stop() is called.
  std::optional<std::chrono::milliseconds> duration;
  // Role `process`: stop once the group has no lag (every partition of the topic read and acknowledged up to
  // its end offset at that moment, by this processor or, for partitions it does not hold, by the group).
  bool until_caught_up = false;
  // For benchmarks and tests: a sink to write to instead of the configured
  // store (not owned; it must outlive the pipeline).
  Sink* sink = nullptr;
};

// What a finished pipeline did, for the summary line and `jobs ls`.
struct PipelineReport {
  std::string source_name;        // empty when the role does not ingest
  std::string store_description;  // empty when the role does not process
  IngestReport ingest;
  bool stopped = false;    // stop() was called (a signal, the scheduler)
  bool caught_up = false;  // until_caught_up: the run ended because the group's lag was 0
  double seconds = 0;      // start() -> wait()'s return
};

class Pipeline {
 public:
  // Compiles the spec (or the flagship) and the window plan, opens the bus,
  // creates the topic, and (roles that process) takes the data dir's process
  // lock. Nothing runs until start(). Config mistakes are Errc::config.
  static Result<std::unique_ptr<Pipeline>> open(const Config& config, PipelineOptions options);

  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();  // stops and waits when still running

  // Starts the ingest thread (roles that ingest), the processor thread (roles
  // that process: it opens the sink and the consumer) and the watchdog.
  Status start();

  // Asks everything to stop at the next batch boundary: what a signal does.
  // Everything acknowledged stays acknowledged; nothing half-written counts.
  // Safe from any thread, and more than once.
  void stop();

  // Waits for the run to end (source exhausted and topic drained, duration
  // reached, stop(), or a failure) and returns the first failure, if any.
  Status wait();

  // Running totals, readable at any time from any thread.
  const PipelineCounters& counters() const { return counters_; }
  // Valid after wait().
  const PipelineReport& report() const { return report_; }
  const Config& config() const { return config_; }
  PipelineRole role() const { return options_.role; }

 private:
  Pipeline(Config config, PipelineOptions options);
  void ingest_main();
  void process_main();
  void watchdog_main();
  void status_main();            // the status line of the operator's log
  std::optional<int64_t> lag();  // records of the topic the group has not processed, where the bus tells it cheaply
  // True when the group's offsets (`positions`, this processor's, else the group's committed ones) reach the
  // end of every partition of the topic.
  bool group_caught_up(const OffsetMap& positions);

  Config config_;
  PipelineOptions options_;
  PipelineProgram program_;
  std::optional<WindowPlan> window_plan_;
  std::unique_ptr<Bus> bus_;
  ProcessLock lock_;  // roles that process: one processor per embedded data dir

  PipelineCounters counters_;
  PipelineReport report_;
  Status ingest_status_, process_status_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> stop_ingest_{false}, stop_processor_{false}, ingest_done_{false}, finished_{false};
  std::chrono::steady_clock::time_point started_;
  std::thread ingest_thread_, process_thread_, watchdog_, status_thread_;
  std::mutex status_mutex_;
  std::condition_variable status_wakeup_;
  bool started_threads_ = false, waited_ = false;
};

}  // namespace kascade
