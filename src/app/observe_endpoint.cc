// app/observe_endpoint.cc: the observe endpoint, started when observe.http_port is set.
#include "app/observe_endpoint.h"

#include <fmt/format.h>

#include <cstdio>

namespace kascade {

Result<std::unique_ptr<ObserveServer>> start_observe_endpoint(const char* command, const Config& config,
                                                              PipelineRole role) {
  if (config.observe.http_port == 0) return std::unique_ptr<ObserveServer>();
  auto server = std::make_unique<ObserveServer>(config, role);
  auto port = server->start(static_cast<int>(config.observe.http_port));
  if (!port) return port.error();
  fmt::print("kascade {}: observe endpoint on http://{}:{} (/healthz, /readyz, /metrics)\n", command,
             config.observe.http_address, *port);
  std::fflush(stdout);
  return server;
}

}  // namespace kascade
