// pipeline/sink_factory.cc: every built-in sink, registered here.
#include "pipeline/sink_factory.h"

#include <fmt/format.h>

#include <cstdlib>

#include "cql/messages.h"
#include "sinks/cassandra/cassandra_sink.h"
#include "sinks/sqlite/sqlite_store.h"

namespace kascade {
namespace {

Result<std::unique_ptr<Sink>> open_cassandra_sink(const CassandraStoreConfig& c, const Config& config) {
  CassandraSinkOptions options;
  options.window_group = config.processor.group;  // where window state and offsets are kept
  options.window_topic = config.bus.topic;
  auto session = cassandra_session_options(c);
  if (!session) return session.error();
  options.session = std::move(*session);
  options.keyspace = c.keyspace;
  options.replication = c.replication;
  auto consistency = cql::parse_consistency(c.consistency);
  if (!consistency) return consistency.error();
  options.consistency = *consistency;
  options.max_in_flight = static_cast<int>(c.max_in_flight);
  auto sink = CassandraSink::open(std::move(options));
  if (!sink) return sink.error();
  return std::unique_ptr<Sink>(std::move(*sink));
}

}  // namespace

Result<cql::SessionOptions> cassandra_session_options(const CassandraStoreConfig& c) {
  cql::SessionOptions options;
  auto hosts = cql::parse_hosts(c.hosts);
  if (!hosts) return Error::make(Errc::config, fmt::format("store.cassandra.hosts: {}", hosts.error().message));
  options.contact_points = std::move(*hosts);
  options.port = static_cast<uint16_t>(c.port);
  options.credentials.username = c.username;
  if (!c.password_env.empty()) {
    const char* password = std::getenv(c.password_env.c_str());
    if (password == nullptr) {
      return Error::make(
          Errc::config,
          fmt::format("store.cassandra.password_env: the environment variable {} is not set", c.password_env));
    }
    options.credentials.password = password;
  }
  options.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  options.tls = {.enabled = c.tls,
                 .ca_file = c.tls_ca_file,
                 .verify_host = c.tls_verify_host,
                 .cert_file = c.tls_cert_file,
                 .key_file = c.tls_key_file};
  options.request_timeout = std::chrono::milliseconds(c.request_timeout_ms);
  options.connections_per_host = static_cast<int>(c.connections_per_host);
  return options;
}

Result<std::unique_ptr<Sink>> open_sink(const Config& config) {
  if (config.store.type == StoreType::sqlite) {
    auto store = SqliteStore::open({.path = config.store_path(),
                                    .sync_full = config.store.sync == SyncLevel::full,
                                    .cache_mb = static_cast<int>(config.store.cache_mb)});
    if (!store) return store.error();
    return std::unique_ptr<Sink>(std::move(*store));
  }
  return open_cassandra_sink(config.store.cassandra, config);
}

}  // namespace kascade
