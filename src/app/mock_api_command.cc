// app/mock_api_command.cc: `kascade mock-api`: the local randomuser-compatible API, until SIGINT/SIGTERM.
#include <fmt/format.h>

#include <cstdio>

#include "app/commands.h"
#include "app/stop_signals.h"
#include "mockapi/mock_api_server.h"

namespace kascade {

int mock_api_command(const MockApiArgs& args) {
  auto faults = parse_fault_kinds(args.faults);
  if (!faults) return report_failure("mock-api", usage_error(faults.error()));
  MockApiOptions options{.host = args.host,
                         .port = args.port,
                         .fail_rate = args.fail_rate,
                         .faults = *faults,
                         .fault_seed = args.fault_seed,
                         .latency = std::chrono::milliseconds(args.latency_ms),
                         .stall = std::chrono::milliseconds(args.stall_ms),
                         .rate_limit = args.rate_limit,
                         .retry_after_seconds = args.retry_after_seconds,
                         .items = args.items};

  // Before any thread starts, so that every thread inherits the blocked stop signals.
  StopSignals stop_signals;

  MockApiServer server(options);
  auto port = server.start();
  if (!port) return report_failure("mock-api", port.error());
  // Tests and scripts read this line to learn the port (with --port 0).
  fmt::print("kascade mock-api: listening on http://{}:{} (GET /api/, /items, /_stats)\n", args.host, *port);
  std::fflush(stdout);

  stop_signals.wait();
  server.stop();
  const auto requests = server.requests();
  uint64_t faulted = 0;
  for (const MockRequest& request : requests) faulted += request.fault.empty() ? 0 : 1;
  fmt::print("kascade mock-api: served {} requests ({} with an injected fault)\n", requests.size(), faulted);
  return kExitOk;
}

}  // namespace kascade
