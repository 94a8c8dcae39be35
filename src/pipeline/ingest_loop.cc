// pipeline/ingest_loop.cc: the source -> bus loop.
#include "pipeline/ingest_loop.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace kascade {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReportEvery = std::chrono::seconds(1);

// Reports a source's failed attempts on stderr as they happen: the first at
// once, then at most one line per kReportEvery however fast they come.
class FailureReporter {
 public:
  explicit FailureReporter(std::string_view source) : source_(source) {}

  void observe(const std::optional<SourceHealth>& health, bool final_call = false) {
    if (!health || health->failures == reported_) return;
    const auto now = Clock::now();
    if (!final_call && reported_ > 0 && now - last_report_ < kReportEvery) return;
    const uint64_t fresh = health->failures - reported_;
    fmt::print(stderr, "kascade: source '{}': {} failed attempt{} ({} in all){}; last: {}\n", source_, fresh,
               fresh == 1 ? "" : "s", health->failures, health->circuit_open ? ", circuit open" : "",
               health->last_failure);
    std::fflush(stderr);
    reported_ = health->failures;
    last_report_ = now;
  }

 private:
  std::string source_;
  uint64_t reported_ = 0;
  Clock::time_point last_report_{};
};

// A run whose source never got a usable response, or ended with its circuit open, failed.
Status judge(std::string_view source, const std::optional<SourceHealth>& health) {
  if (!health || health->failures == 0) return ok_status();
  if (health->successes == 0) {
    return Error::make(Errc::unavailable, fmt::format("source '{}' never fetched successfully ({} failed attempts); "
                                                      "last error: {}",
                                                      source, health->failures, health->last_failure));
  }
  if (health->circuit_open) {
    return Error::make(Errc::unavailable, fmt::format("source '{}': the circuit breaker was still open at the end "
                                                      "({} failed attempts); last error: {}",
                                                      source, health->failures, health->last_failure));
  }
  return ok_status();
}

}  // namespace

Status run_ingest(Source& source, Producer& producer, const std::string& topic, size_t batch_records,
                  const std::atomic<bool>& stop, PipelineCounters& counters, IngestReport* report) {
  auto position = producer.load_checkpoint(topic, source.name());
  if (!position) return position.status();
  if (auto status = source.resume(*position); !status) {
    return Error::make(status.error().code, fmt::format("source '{}': {}", source.name(), status.message()));
  }
  SourceCheckpoint checkpoint{std::string(source.name()), ""};
  FailureReporter failures(source.name());
  bool first = true;
  while (!stop.load(std::memory_order_relaxed)) {
    auto batch = source.next_batch(batch_records);
    failures.observe(source.health());
    if (!batch) {
      if (batch.error().retriable) continue;
      failures.observe(source.health(), true);
      return batch.status();
    }
    if (first && batch->exhausted && batch->records.empty() && *position && report != nullptr) {
      report->done_at = **position;
    }
    first = false;
    if (!batch->records.empty()) {
      checkpoint.position = batch->position;
      if (auto status = producer.send(topic, batch->records, &checkpoint); !status) return status;
      counters.ingested += batch->records.size();
      uint64_t bytes = 0;
      for (const Record& record : batch->records) bytes += record.key.size() + record.value.size();
      counters.ingested_bytes += bytes;
    } else if (!batch->exhausted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (batch->exhausted) break;
  }
  failures.observe(source.health(), true);
  return judge(source.name(), source.health());
}

}  // namespace kascade
