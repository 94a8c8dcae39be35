// pipeline/sink_factory.h: config -> the configured Sink (one registration point).
#pragma once

#include <memory>

#include "config/config.h"
#include "cql/session.h"
#include "sinks/sink.h"

namespace kascade {

// Opens the store named by store.type (sqlite, cassandra). The sink is not
// prepared yet: the processor calls prepare() with its table schema.
Result<std::unique_ptr<Sink>> open_sink(const Config& config);

// How to reach the Cassandra of store.cassandra (the sink's session, and the
// sessions of those who read its tables: `kascade dlq ls`, the dashboard).
Result<cql::SessionOptions> cassandra_session_options(const CassandraStoreConfig& store);

}  // namespace kascade
