// app/ingest_loop.cc: the source -> bus loop.
#include "app/ingest_loop.h"

#include <thread>

#include <fmt/format.h>

namespace kascade {

Status run_ingest(Source& source, Producer& producer, const std::string& topic, size_t batch_records,
                  const std::atomic<bool>& stop, PipelineCounters& counters) {
  auto position = producer.load_checkpoint(source.name());
  if (!position) return position.status();
  if (auto status = source.resume(*position); !status) {
    return Error::make(status.error().code, fmt::format("source '{}': {}", source.name(), status.message()));
  }
  SourceCheckpoint checkpoint{std::string(source.name()), ""};
  while (!stop.load(std::memory_order_relaxed)) {
    auto batch = source.next_batch(batch_records);
    if (!batch) {
      if (batch.error().retriable) continue;
      return batch.status();
    }
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
  return ok_status();
}

}  // namespace kascade
