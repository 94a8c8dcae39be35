// app/bus_tables.h: what `kascade topics` and `kascade lag` list, as tables (also served by `kascade serve`).
#pragma once

#include <string>
#include <vector>

#include "app/tabular_output.h"
#include "bus/bus.h"

namespace kascade {

// Every topic and partition: topic, partition, start_offset, end_offset, records, stored_bytes,
// corrupt_batches (of the batches `depth` verifies; `corrupt` receives them when given).
Result<ResultTable> topics_table(Bus& bus, VerifyDepth depth = VerifyDepth::newest,
                                 std::vector<CorruptBatch>* corrupt = nullptr);

// One group's progress on one topic, per partition: group, topic, partition,
// committed_offset (null if the group has committed nothing there), end_offset,
// lag (records between the committed offset, or the partition's start, and its end).
Result<ResultTable> lag_table(Bus& bus, const std::string& topic, const std::string& group);

}  // namespace kascade
