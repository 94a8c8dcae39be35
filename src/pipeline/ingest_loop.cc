// pipeline/ingest_loop.cc: the source -> bus loop.
#include "pipeline/ingest_loop.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "core/log.h"

namespace kascade {
namespace {

using Clock = std::chrono::steady_clock;

// Logs a source's failed attempts as they happen: the first at once (a warning), then at most one
// line per repeat interval however fast they come, and one line when a fetch succeeds again.
class FailureReporter {
 public:
  explicit FailureReporter(std::string_view source) : source_(source) {}

  void observe(const std::optional<SourceHealth>& health, bool final_call = false) {
    if (!health) return;
    const auto now = Clock::now();
    if (health->failures != reported_) {
      const bool first = !down_;
      if (first) {
        down_ = true;
        since_ = now;
        successes_then_ = health->successes;
      } else if (!final_call && now - last_report_ < logging::settings().repeat_interval) {
        return;
      }
      const uint64_t fresh = health->failures - reported_;
      logging::warn(
          "source",
          fmt::format("source '{}': {} failed attempt{} ({} in all){}; last: {}", source_, fresh, fresh == 1 ? "" : "s",
                      health->failures, health->circuit_open ? ", circuit open" : "", health->last_failure),
          {{"source", source_},
           {"event", first ? "down" : "still_down"},
           {"attempts", health->failures},
           {"circuit_open", health->circuit_open},
           {"cause", health->last_failure}});
      reported_ = health->failures;
      last_report_ = now;
      return;
    }
    if (down_ && health->successes > successes_then_) {
      const auto down_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - since_).count();
      logging::info(
          "source",
          fmt::format("source '{}' fetches again after {:.1f} s of failures ({} failed attempts in all)", source_,
                      static_cast<double>(down_ms) / 1000.0, health->failures),
          {{"source", source_}, {"event", "recovered"}, {"down_ms", down_ms}, {"attempts", health->failures}});
      down_ = false;
    }
  }

 private:
  std::string source_;
  uint64_t reported_ = 0, successes_then_ = 0;
  bool down_ = false;
  Clock::time_point since_{}, last_report_{};
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
  logging::Throttle checkpoints;
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
      // A checkpoint per batch: one line per repeat interval, naming the newest position.
      if (uint64_t held = 0; checkpoints.allow(held)) {
        logging::info("source",
                      fmt::format("source '{}': position stored on topic '{}' ({} checkpoint{} since the last line)",
                                  source.name(), topic, held + 1, held == 0 ? "" : "s"),
                      {{"source", source.name()},
                       {"event", "checkpoint"},
                       {"topic", topic},
                       {"position", checkpoint.position},
                       {"checkpoints", held + 1}});
      }
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
