// app/serve_command.cc: `kascade serve`: push ingest over HTTP onto the bus, and the dashboard, until SIGINT/SIGTERM.
#include <signal.h>

#include <cstdio>
#include <mutex>

#include <fmt/format.h>

#include "app/bus_factory.h"
#include "app/bus_tables.h"
#include "app/commands.h"
#include "app/pipeline_config.h"
#include "app/sql_query.h"
#include "core/timestamp.h"
#include "serve/push_server.h"

namespace kascade {

int serve_command(const ServeArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return report_failure("serve", config.error());

  // Block the stop signals before any thread starts, so only sigwait() below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto bus = open_bus(*config);
  if (!bus) return report_failure("serve", bus.error());
  PushServerOptions options{.host = config->serve.host,
                            .port = args.port.value_or(static_cast<int>(config->serve.port)),
                            .max_request_bytes = config->serve.max_request_bytes,
                            .max_in_flight = config->serve.max_in_flight,
                            .key_pointer = config->serve.key_pointer,
                            .partitions = static_cast<int32_t>(config->bus.partitions)};

  // The dashboard's data: what `kascade topics` and `kascade lag` list, read
  // through a bus of its own (its connections are not the pushing ones'),
  // one request at a time.
  auto inspection_bus = open_bus(*config, BusUse::inspect);
  if (!inspection_bus) return report_failure("serve", inspection_bus.error());
  std::mutex inspection_mutex;
  Bus& inspection = **inspection_bus;
  const std::string topic = config->bus.topic, group = config->processor.group;
  const int64_t started_ms = now_ms();

  PushServer server(options, **bus);  // declared after what its routes read, so it stops first
  server.add_json_route("/v1/topics", [&]() -> Result<std::string> {
    std::lock_guard guard(inspection_mutex);
    auto table = topics_table(inspection);
    if (!table) return table.error();
    return json_array(*table);
  });
  server.add_json_route("/v1/lag", [&]() -> Result<std::string> {
    std::lock_guard guard(inspection_mutex);
    auto table = lag_table(inspection, topic, group);
    if (!table) return table.error();
    return json_array(*table);
  });
  server.add_json_route("/v1/status", [&]() -> Result<std::string> {
    ResultTable status{{"bus", "topic", "group", "started_ms", "now_ms", "records_pushed"},
                       {{(*bus)->describe_self(), topic, group, started_ms, now_ms(),
                         static_cast<int64_t>(server.records_accepted())}}};
    return json_object(status, 0);
  });

  // The same tables as Prometheus gauges, after the push counters of /metrics.
  server.add_metrics([&]() -> Result<std::string> {
    std::lock_guard guard(inspection_mutex);
    auto topics = topics_table(inspection);
    if (!topics) return topics.error();
    auto lag = lag_table(inspection, topic, group);
    if (!lag) return lag.error();
    const std::vector<std::string> partition = {"topic", "partition"}, member = {"group", "topic", "partition"};
    return prometheus_gauge(*topics, "kascade_topic_start_offset", "First offset still retained.", partition,
                            "start_offset") +
           prometheus_gauge(*topics, "kascade_topic_end_offset", "Next offset to be written.", partition,
                            "end_offset") +
           prometheus_gauge(*topics, "kascade_topic_stored_bytes", "Stored size of the partition.", partition,
                            "stored_bytes") +
           prometheus_gauge(*lag, "kascade_consumer_committed_offset", "Next offset the group will read.", member,
                            "committed_offset") +
           prometheus_gauge(*lag, "kascade_consumer_lag", "Records the group has yet to process.", member, "lag");
  });

  // The dead letters, where the embedded store keeps them (with Cassandra: `kascade cql`).
  if (config->store.type == "sqlite") {
    const std::filesystem::path store = config->store_path();
    server.add_metrics([store]() -> Result<std::string> {
      auto by_class = run_sql_query(store, "SELECT error_class, count(*) AS count FROM dead_letters GROUP BY error_class");
      if (!by_class && by_class.error().code == Errc::not_found) return std::string();
      if (!by_class) return by_class.error();
      return prometheus_gauge(*by_class, "kascade_dead_letters", "Dead letters in the store, per error class.",
                              {"error_class"}, "count");
    });
    server.add_json_route("/v1/dead_letters", [store]() -> Result<std::string> {
      auto by_class = run_sql_query(store,
                                    "SELECT error_class, count(*) AS count, max(failed_at) AS latest FROM dead_letters "
                                    "GROUP BY error_class ORDER BY count DESC, error_class");
      if (!by_class && by_class.error().code == Errc::not_found) return std::string(R"({"by_class":[],"recent":[]})");
      if (!by_class) return by_class.error();
      auto recent = run_sql_query(store,
                                  "SELECT topic, partition, offset, error_class, error_message, failed_at, attempts "
                                  "FROM dead_letters ORDER BY id DESC LIMIT 20");
      if (!recent) return recent.error();
      return fmt::format(R"({{"by_class":{},"recent":{}}})", json_array(*by_class), json_array(*recent));
    });
  }

  auto port = server.start();
  if (!port) return report_failure("serve", port.error());
  // Tests and scripts read this line to learn the port (with --port 0).
  fmt::print("kascade serve: listening on http://{}:{} (dashboard at /; POST /v1/topics/<topic>/records; GET "
             "/v1/status, /v1/topics, /v1/lag, {}/healthz, /metrics) onto {}\n",
             options.host, *port, config->store.type == "sqlite" ? "/v1/dead_letters, " : "", (*bus)->describe_self());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  fmt::print("kascade serve: accepted {} records\n", server.records_accepted());
  return kExitOk;
}

}  // namespace kascade
