// app/bus_tables.cc: topics and consumer lag read off the bus, as tables.
#include "app/bus_tables.h"

#include <algorithm>

namespace kascade {

Result<ResultTable> topics_table(Bus& bus, VerifyDepth depth, std::vector<CorruptBatch>* corrupt) {
  auto topics = bus.list_topics();
  if (!topics) return topics.error();
  ResultTable table{{"topic", "partition", "start_offset", "end_offset", "records", "stored_bytes", "corrupt_batches"},
                    {}};
  for (const auto& name : *topics) {
    auto info = bus.describe(name);
    if (!info) return info.error();
    auto bad = bus.verify(name, depth);
    if (!bad) return bad.error();
    for (const PartitionInfo& p : info->partitions) {
      const auto count =
          std::count_if(bad->begin(), bad->end(), [&](const CorruptBatch& b) { return b.partition == p.partition; });
      table.rows.push_back({name, int64_t{p.partition}, p.start_offset, p.end_offset, p.end_offset - p.start_offset,
                            p.bytes, static_cast<int64_t>(count)});
    }
    if (corrupt != nullptr) corrupt->insert(corrupt->end(), bad->begin(), bad->end());
  }
  return table;
}

Result<ResultTable> lag_table(Bus& bus, const std::string& topic, const std::string& group) {
  auto info = bus.describe(topic);
  if (!info) return info.error();
  auto committed = bus.committed(topic, group);
  if (!committed) return committed.error();
  ResultTable table{{"group", "topic", "partition", "committed_offset", "end_offset", "lag"}, {}};
  for (const PartitionInfo& p : info->partitions) {
    auto it = committed->find(p.partition);
    Cell committed_cell = std::monostate{};
    int64_t from = p.start_offset;
    if (it != committed->end()) {
      committed_cell = it->second;
      from = std::max(it->second, p.start_offset);
    }
    table.rows.push_back({group, topic, int64_t{p.partition}, committed_cell, p.end_offset, p.end_offset - from});
  }
  return table;
}

}  // namespace kascade
