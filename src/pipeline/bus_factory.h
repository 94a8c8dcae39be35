// pipeline/bus_factory.h: config -> the configured Bus (one registration point).
#pragma once

#include <memory>

#include "bus/bus.h"
#include "config/config.h"

namespace kascade {

// What the caller needs the bus for. Inspection opens an existing embedded
// log only (it never creates a data dir by looking at it).
enum class BusUse { pipeline, inspect };

// Opens the bus named by bus.type (embedded, kafka).
Result<std::unique_ptr<Bus>> open_bus(const Config& config, BusUse use = BusUse::pipeline);

}  // namespace kascade
