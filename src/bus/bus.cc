// bus/bus.cc: what every bus shares.
#include "bus/bus.h"

namespace kascade {

std::string CorruptBatch::describe() const {
  return file + ": partition " + std::to_string(partition) + ", offsets " + std::to_string(base_offset) + "-" +
         std::to_string(last_offset) + " (" + std::to_string(record_count) + " records): " + reason;
}

Error corruption_error(const std::vector<CorruptBatch>& batches) {
  std::string message = "corrupt record batch";
  constexpr size_t kNamed = 5;
  for (size_t i = 0; i < batches.size() && i < kNamed; ++i) {
    message += (i == 0 ? " in " : "; ") + batches[i].describe();
  }
  if (batches.size() > kNamed) message += "; and " + std::to_string(batches.size() - kNamed) + " more";
  message +=
      ". Nothing was cut: `kascade log check` lists every corrupt batch, `kascade log repair` "
      "moves them into the topic file's quarantined_batches table and reports the offsets lost";
  return Error::make(Errc::corrupt, std::move(message));
}

bool Bus::caught_up(std::string_view topic, const OffsetMap& positions) {
  auto info = describe(topic);
  if (!info) return false;
  for (const PartitionInfo& p : info->partitions) {
    auto it = positions.find(p.partition);
    const int64_t position = it == positions.end() ? 0 : it->second;
    if (position < p.end_offset && p.end_offset > p.start_offset) return false;
  }
  return true;
}

}  // namespace kascade
