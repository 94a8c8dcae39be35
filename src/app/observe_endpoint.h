// app/observe_endpoint.h: the /healthz, /readyz, /metrics endpoint of `run`, `ingest`, `process` and `schedule`.
#pragma once

#include <memory>

#include "config/config.h"
#include "core/result.h"
#include "observe/observe_server.h"

namespace kascade {

// Starts the endpoint when observe.http_port (--http-port) is set, and prints
// "kascade <command>: observe endpoint on http://<address>:<port> (/healthz, /readyz, /metrics)"; null when off.
Result<std::unique_ptr<ObserveServer>> start_observe_endpoint(const char* command, const Config& config,
                                                              PipelineRole role);

}  // namespace kascade
