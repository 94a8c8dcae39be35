// pipeline/config_check.h: the inner syntax of every option that has one, checked before anything opens.
#pragma once

#include "config/config.h"
#include "core/result.h"

namespace kascade {

// Parses every option whose value has a syntax of its own (windows.aggregates,
// windows.group_by, windows.event_time, windows.table, bus.kafka.properties,
// source.http.headers, source.http.allowed_origins, source.http.url,
// store.cassandra.hosts) with the parser its component uses, whether or not
// that component is in use. The first mistake is an Errc::config error naming
// where the option was set and the key: "pipeline.yaml:12:5: windows.aggregates: ..."
// or "--set windows.aggregates: ...". `kascade validate` and every command that
// loads a config run it, so a config that passes opens without a syntax error.
Status check_option_syntax(const Config& config);

}  // namespace kascade
