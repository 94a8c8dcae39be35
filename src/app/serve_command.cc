// app/serve_command.cc: `kascade serve`: push ingest over HTTP onto the bus, and the dashboard, until SIGINT/SIGTERM.
#include <fmt/format.h>

#include <cstdio>
#include <mutex>

#include "app/bus_tables.h"
#include "app/command_log.h"
#include "app/commands.h"
#include "app/dead_letter_tables.h"
#include "app/stop_signals.h"
#include "core/timestamp.h"
#include "core/topic_name.h"
#include "observe/process_stats.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline_config.h"
#include "serve/push_server.h"

namespace kascade {

int serve_command(const ServeArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return report_failure("serve", config.error());
  start_command_log("serve", *config);

  // Before any thread starts, so that every thread inherits the blocked stop signals.
  StopSignals stop_signals;

  // Bearer tokens from the environment or a file (never from the config); required off loopback.
  const auto& serve = config->serve;
  auto tokens = load_access_tokens({serve.auth.push_token_env, serve.auth.read_token_env, serve.auth.tokens_file});
  if (!tokens) return report_failure("serve", tokens.error());
  if (tokens->empty() && !is_loopback_host(serve.host)) {
    return report_failure(
        "serve",
        Error::make(
            Errc::config,
            fmt::format(
                "serve.host is {}, not a loopback address: set serve.auth.push_token_env, serve.auth.read_token_env or "
                "serve.auth.tokens_file, so that only clients with a token are served",
                serve.host)));
  }

  auto bus = open_bus(*config);
  if (!bus) return report_failure("serve", bus.error());
  PushServerOptions options{.host = config->serve.host,
                            .port = args.port.value_or(static_cast<int>(config->serve.port)),
                            .max_request_bytes = config->serve.max_request_bytes,
                            .max_request_records = config->serve.max_request_records,
                            .topics = config->serve.topics.empty() ? std::vector<std::string>{config->bus.topic}
                                                                   : split_topic_list(config->serve.topics),
                            .create_topics = config->serve.create_topics,
                            .max_topics = config->serve.max_topics,
                            .max_in_flight = config->serve.max_in_flight,
                            .key_pointer = config->serve.key_pointer,
                            .partitions = static_cast<int32_t>(config->bus.partitions),
                            .limits = {.header_timeout_ms = serve.header_timeout_ms,
                                       .body_timeout_ms = serve.body_timeout_ms,
                                       .idle_timeout_ms = serve.idle_timeout_ms,
                                       .max_connections = serve.max_connections,
                                       .max_header_count = serve.max_header_count,
                                       .max_header_bytes = serve.max_header_bytes},
                            .tokens = std::move(*tokens),
                            .allowed_hosts = serve.allowed_hosts,
                            .tls_cert_file = serve.tls.cert_file,
                            .tls_key_file = serve.tls.key_file};
  const bool authenticated = !options.tokens.empty(), tls = options.tls();

  // The dashboard's data: what `kascade topics` and `kascade lag` list, read
  // through a bus of its own (its connections are not the pushing ones'),
  // one request at a time.
  auto inspection_bus = open_bus(*config, BusUse::inspect);
  if (!inspection_bus) return report_failure("serve", inspection_bus.error());
  std::mutex inspection_mutex;
  Bus& inspection = **inspection_bus;
  const std::string topic = config->bus.topic, group = config->processor.group;
  const int64_t started_ms = now_ms();

  // The store's dead letters (SQLite or Cassandra), read one request at a time.
  std::mutex dead_letters_mutex;
  DeadLetterTables dead_letters(*config);

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
           prometheus_gauge(*topics, "kascade_log_corrupt_batches",
                            "Stored batches failing their CRC (newest of each partition verified per scrape; "
                            "kascade log check reads all).",
                            partition, "corrupt_batches") +
           prometheus_gauge(*lag, "kascade_consumer_committed_offset", "Next offset the group will read.", member,
                            "committed_offset") +
           prometheus_gauge(*lag, "kascade_consumer_lag", "Records the group has yet to process.", member, "lag");
  });

  // The dead letters of the store (SQLite or Cassandra).
  server.add_metrics([&]() -> Result<std::string> {
    std::lock_guard guard(dead_letters_mutex);
    auto summary = dead_letters.summary(0);
    if (!summary) return summary.error();
    return prometheus_gauge(summary->by_class, "kascade_dead_letters", "Dead letters in the store, per error class.",
                            {"error_class"}, "count");
  });
  // This process's resident memory and open files, as every role's endpoint shows them.
  server.add_metrics([]() -> Result<std::string> { return process_metrics_text(); });
  server.add_json_route("/v1/dead_letters", [&]() -> Result<std::string> {
    std::lock_guard guard(dead_letters_mutex);
    auto summary = dead_letters.summary(20);
    if (!summary) return summary.error();
    return fmt::format(R"({{"by_class":{},"recent":{}}})", json_array(summary->by_class), json_array(summary->recent));
  });

  auto port = server.start();
  if (!port) return report_failure("serve", port.error());
  // Tests and scripts read this line to learn the port (with --port 0).
  fmt::print(
      "kascade serve: listening on {}://{}:{} (dashboard at /; POST /v1/topics/<topic>/records; GET "
      "/v1/status, /v1/topics, /v1/lag, /v1/dead_letters, /healthz, /metrics) onto {}{}\n",
      tls ? "https" : "http", options.host, *port, (*bus)->describe_self(),
      authenticated ? "; bearer tokens required" : "");
  std::fflush(stdout);

  stop_signals.wait();
  server.stop();
  fmt::print("kascade serve: accepted {} records\n", server.records_accepted());
  return kExitOk;
}

}  // namespace kascade
