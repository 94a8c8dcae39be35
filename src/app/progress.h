// app/progress.h: a live progress line on a terminal; silence otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "process/pipeline_counters.h"

namespace kascade {

// Redraws one status line on stderr once a second (records/s and totals)
// while a pipeline runs, if and only if stderr is a terminal. Owns its
// thread; start() and stop() are called by the thread that runs the pipeline.
class ProgressLine {
 public:
  explicit ProgressLine(const PipelineCounters& counters, FILE* out = stderr);
  ~ProgressLine();

  void start();
  void stop();  // erases the line

 private:
  void loop();

  const PipelineCounters& counters_;
  FILE* out_;
  bool enabled_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// "1,234,567"
std::string with_thousands(uint64_t value);

}  // namespace kascade
