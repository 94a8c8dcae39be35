// app/serve_command.cc: `kascade serve`: push ingest over HTTP onto the bus, until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>

#include <fmt/format.h>

#include "app/bus_factory.h"
#include "app/commands.h"
#include "app/pipeline_config.h"
#include "serve/push_server.h"

namespace kascade {

int serve_command(const ServeArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir);
  if (!config) return report_failure("serve", config.error());

  // Block the stop signals before any thread starts, so only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto bus = open_bus(*config);
  if (!bus) return report_failure("serve", bus.error());
  PushServerOptions options{.port = args.port.value_or(static_cast<int>(config->serve.port)),
                            .max_request_bytes = config->serve.max_request_bytes,
                            .max_in_flight = config->serve.max_in_flight,
                            .key_pointer = config->serve.key_pointer,
                            .partitions = static_cast<int32_t>(config->bus.partitions)};
  PushServer server(options, **bus);
  auto port = server.start();
  if (!port) return report_failure("serve", port.error());
  // Tests and scripts read this line to learn the port (with --port 0).
  fmt::print("kascade serve: listening on http://{}:{} (POST /v1/topics/<topic>/records, GET /healthz, /metrics) "
             "onto {}\n",
             options.host, *port, (*bus)->describe_self());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  fmt::print("kascade serve: accepted {} records\n", server.records_accepted());
  return kExitOk;
}

}  // namespace kascade
