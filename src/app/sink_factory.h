// app/sink_factory.h: config -> the configured Sink (one registration point).
#pragma once

#include <memory>

#include "config/config.h"
#include "sinks/sink.h"

namespace kascade {

// Opens the store named by store.type (sqlite, cassandra). The sink is not
// prepared yet: the processor calls prepare() with its table schema.
Result<std::unique_ptr<Sink>> open_sink(const Config& config);

}  // namespace kascade
