// app/mock_api_command.cc: `kascade mock-api`: the local randomuser-compatible API, until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>

#include <fmt/format.h>

#include "app/commands.h"
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

  // Block the stop signals before any thread starts, so they all inherit the
  // mask and only sigwait() below sees the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  MockApiServer server(options);
  auto port = server.start();
  if (!port) return report_failure("mock-api", port.error());
  // Tests and scripts read this line to learn the port (with --port 0).
  fmt::print("kascade mock-api: listening on http://{}:{} (GET /api/, /items, /_stats)\n", args.host, *port);
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  const auto requests = server.requests();
  uint64_t faulted = 0;
  for (const MockRequest& request : requests) faulted += request.fault.empty() ? 0 : 1;
  fmt::print("kascade mock-api: served {} requests ({} with an injected fault)\n", requests.size(), faulted);
  return kExitOk;
}

}  // namespace kascade
