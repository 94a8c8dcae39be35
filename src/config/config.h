// config/config.h: the typed configuration of a kascade pipeline.
//
// Every field is declared once, with its YAML path, default, bounds and
// description, in config/option_table.cc; the loader and the generated
// reference (docs/config-reference.md) both come from that table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/result.h"

namespace kascade {

struct EmbeddedBusConfig {
  std::string sync;           // full | normal
  std::string compression;    // lz4 | none
  int64_t retention_ms = 0;     // -1: keep forever
  int64_t retention_bytes = 0;  // per partition; -1: unlimited
  int64_t max_record_bytes = 0;
  int64_t max_open_topics = 0;
};

struct KafkaBusConfig {
  std::string brokers;
  std::string properties;  // librdkafka passthrough: "key=value;key=value"
  int64_t replication_factor = 0;
  std::string compression;  // none | gzip | snappy | lz4 | zstd
  int64_t linger_ms = 0;
  int64_t batch_bytes = 0;
  int64_t max_in_flight = 0;
  int64_t queue_max_kbytes = 0;
  int64_t delivery_timeout_ms = 0;
  int64_t session_timeout_ms = 0;
  int64_t request_timeout_ms = 0;
};

struct BusConfig {
  std::string type;  // embedded | kafka
  std::string topic;
  int64_t partitions = 0;
  EmbeddedBusConfig embedded;
  KafkaBusConfig kafka;
};

// HTTP client settings shared by the HTTP sources (randomuser, http).
struct HttpClientConfig {
  int64_t timeout_ms = 0;
  int64_t connect_timeout_ms = 0;
  int64_t max_body_bytes = 0;
  double requests_per_second = 0;  // 0: no limit
  int64_t max_attempts = 0;        // 0: retry forever
  int64_t backoff_initial_ms = 0;
  int64_t backoff_max_ms = 0;
  int64_t breaker_failures = 0;
  int64_t breaker_open_ms = 0;
  // The http source (source.type http) only: see sources/http/README.md.
  std::string url;             // template: {page}, {offset}, {cursor}
  std::string pagination;      // none | page | offset | cursor | link
  int64_t first_page = 0;
  std::string records_pointer, key_pointer, cursor_pointer;  // JSON pointers
  std::string headers;         // "Name: value; Name: value"
  std::string allowed_origins; // "http://host:port, ...": other origins requests may go to (no credentials)
  std::string auth;            // none | bearer | basic
  std::string token_env, username, password_env;  // names of environment variables (and the basic-auth user)
};

struct RandomUserSourceConfig {
  std::string url;
  int64_t results_per_page = 0;
  std::string nat, inc, exc;
};

struct SourceConfig {
  std::string type;  // generator | randomuser | http
  std::string name;  // empty: the type
  std::string seed;
  int64_t records = 0;  // 0: endless
  int64_t batch_records = 0;
  double malformed_ratio = 0;
  int64_t event_time_jitter_ms = 0;  // generator: fetched_at earlier by up to this (out-of-order event times)
  double late_ratio = 0;             // generator: share of records stamped late_by_ms further back
  int64_t late_by_ms = 0;
  RandomUserSourceConfig randomuser;
  HttpClientConfig http;
};

struct ProcessorConfig {
  std::string group;
  int64_t max_record_bytes = 0;
  int64_t batch_records = 0;
  int64_t poll_timeout_ms = 0;
  int64_t queue_batches = 0;
};

// store.cassandra.*: the Cassandra sink (sinks/cassandra).
struct CassandraStoreConfig {
  std::string hosts;         // "h1,h2:9043"
  int64_t port = 0;          // for hosts without a port
  std::string keyspace;
  std::string replication;   // a CQL map literal
  std::string username;      // empty: no authentication
  std::string password_env;  // name of the environment variable holding the password
  std::string consistency;
  int64_t max_in_flight = 0;
  int64_t connections_per_host = 0;
  int64_t request_timeout_ms = 0;
  int64_t connect_timeout_ms = 0;
  std::string tls;            // true | false
  std::string tls_ca_file;    // empty: the system's CA paths
  std::string tls_verify_host;  // true | false
  std::string tls_cert_file;  // client certificate (optional)
  std::string tls_key_file;
};

struct StoreConfig {
  std::string type;  // sqlite | cassandra
  std::string path;  // empty: <data_dir>/store.db
  std::string sync;  // full | normal
  int64_t cache_mb = 0;
  CassandraStoreConfig cassandra;
};

// windows.*: the pipeline's windowed aggregation (process/windows).
struct WindowsConfig {
  std::string enabled;  // auto (on with the sqlite store) | on | off
  std::string table;
  std::string event_time;
  std::string group_by;
  std::string aggregates;
  int64_t size_ms = 0;
  int64_t slide_ms = 0;  // 0: size_ms (tumbling)
  int64_t allowed_lateness_ms = 0;
  std::string late_records;  // drop | dead_letter
  std::string missing_group;  // null_group | dead_letter
  std::string null_group;     // the null group's text group-by value
  int64_t max_open_windows = 0;
  int64_t max_groups = 0;
  int64_t early_updates_ms = 0;  // 0: results only when a window closes
};

// serve.*: push ingest over HTTP (`kascade serve`, serve/README.md).
struct ServeConfig {
  std::string host;
  int64_t port = 0;
  int64_t max_request_bytes = 0;
  int64_t max_in_flight = 0;
  std::string key_pointer;
  int64_t max_connections = 0;
  int64_t header_timeout_ms = 0;
  int64_t body_timeout_ms = 0;
  int64_t idle_timeout_ms = 0;
  int64_t max_header_count = 0;
  int64_t max_header_bytes = 0;
  std::string allowed_hosts;
  struct {
    std::string push_token_env;
    std::string read_token_env;
    std::string tokens_file;
  } auth;
  struct {
    std::string cert_file;
    std::string key_file;
  } tls;
  int64_t max_request_records = 0;
  std::string topics;         // comma-separated; empty: bus.topic
  std::string create_topics;  // "true" / "false"
  int64_t max_topics = 0;
};

struct Config {
  std::string data_dir;
  BusConfig bus;
  SourceConfig source;
  ProcessorConfig processor;
  StoreConfig store;
  WindowsConfig windows;
  ServeConfig serve;

  std::filesystem::path store_path() const;
  std::filesystem::path log_dir() const;
};

// The defaults of every option (what `kascade run` uses with no config file).
Config default_config();

// Loads a YAML file over the defaults. Errors name the file, line and key
// ("pipeline.yaml:12:3: bus.partitions: ..."), with Errc::config.
Result<Config> load_config_file(const std::filesystem::path& file);

// The same, from text (`origin` names it in errors).
Result<Config> load_config_text(const std::string& text, const std::string& origin);

// Applies "path=value" (the command line's --set) with the same checks as the file.
Status set_config_option(Config& config, std::string_view assignment);

// Cross-field checks, run after every change (file, then command-line flags).
Status finalize_config(Config& config);

// Markdown reference of every option, generated from the option table.
std::string config_reference_markdown();

}  // namespace kascade
