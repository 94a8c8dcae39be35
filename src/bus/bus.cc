// bus/bus.cc: what every bus shares.
#include "bus/bus.h"

namespace kascade {

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
