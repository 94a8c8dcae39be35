// config/config.h: the typed configuration of a kascade pipeline.
//
// Every field is declared once, with its YAML path, default, bounds and
// description, in config/option_table.cc; the loader and the generated
// reference (docs/config-reference.md) both come from that table.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kascade {

// The closed choices of options whose values the code tells apart. Each one's
// names (what YAML and --set take, in declaration order) are in OptionEnumNames.
enum class BusType { embedded, kafka };
enum class SourceType { generator, randomuser, http };
enum class StoreType { sqlite, cassandra };
enum class SyncLevel { full, normal };  // bus.embedded.sync, store.sync
enum class LogCompression { lz4, none };
enum class HttpAuth { none, bearer, basic };
enum class WindowsEnabled { automatic, on, off };  // auto | on | off
enum class LateRecords { drop, dead_letter };
enum class MissingGroup { null_group, dead_letter };
enum class LogLevel { trace, debug, info, warn, error };  // log.level (the order of core/log.h's Level)
enum class LogFormat { text, json };

template <typename E>
struct OptionEnumNames;
#define KASCADE_OPTION_ENUM(E, ...)                            \
  template <>                                                  \
  struct OptionEnumNames<E> {                                  \
    static constexpr std::string_view names[] = {__VA_ARGS__}; \
  }
KASCADE_OPTION_ENUM(BusType, "embedded", "kafka");
KASCADE_OPTION_ENUM(SourceType, "generator", "randomuser", "http");
KASCADE_OPTION_ENUM(StoreType, "sqlite", "cassandra");
KASCADE_OPTION_ENUM(SyncLevel, "full", "normal");
KASCADE_OPTION_ENUM(LogCompression, "lz4", "none");
KASCADE_OPTION_ENUM(HttpAuth, "none", "bearer", "basic");
KASCADE_OPTION_ENUM(WindowsEnabled, "auto", "on", "off");
KASCADE_OPTION_ENUM(LateRecords, "drop", "dead_letter");
KASCADE_OPTION_ENUM(MissingGroup, "null_group", "dead_letter");
KASCADE_OPTION_ENUM(LogLevel, "trace", "debug", "info", "warn", "error");
KASCADE_OPTION_ENUM(LogFormat, "text", "json");
#undef KASCADE_OPTION_ENUM

// The name of an option's enum value, as a config file spells it ("sqlite").
template <typename E>
constexpr std::string_view option_name(E value) {
  return OptionEnumNames<E>::names[static_cast<size_t>(value)];
}

struct EmbeddedBusConfig {
  SyncLevel sync = SyncLevel::full;
  LogCompression compression = LogCompression::lz4;
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
  BusType type = BusType::embedded;
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
  std::string url;         // template: {page}, {offset}, {cursor}
  std::string pagination;  // none | page | offset | cursor | link
  int64_t first_page = 0;
  std::string records_pointer, key_pointer, cursor_pointer;  // JSON pointers
  std::string headers;                                       // "Name: value; Name: value"
  std::string allowed_origins;  // "http://host:port, ...": other origins requests may go to (no credentials)
  HttpAuth auth = HttpAuth::none;
  std::string token_env, username, password_env;  // names of environment variables (and the basic-auth user)
};

struct RandomUserSourceConfig {
  std::string url;
  int64_t results_per_page = 0;
  std::string nat, inc, exc;
};

struct SourceConfig {
  SourceType type = SourceType::generator;
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
  std::string hosts;  // "h1,h2:9043"
  int64_t port = 0;   // for hosts without a port
  std::string keyspace;
  std::string replication;   // a CQL map literal
  std::string username;      // empty: no authentication
  std::string password_env;  // name of the environment variable holding the password
  std::string consistency;
  int64_t max_in_flight = 0;
  int64_t connections_per_host = 0;
  int64_t request_timeout_ms = 0;
  int64_t connect_timeout_ms = 0;
  bool tls = false;
  std::string tls_ca_file;  // empty: the system's CA paths
  bool tls_verify_host = true;
  std::string tls_cert_file;  // client certificate (optional)
  std::string tls_key_file;
};

struct StoreConfig {
  StoreType type = StoreType::sqlite;
  std::string path;  // empty: <data_dir>/store.db
  SyncLevel sync = SyncLevel::normal;
  int64_t cache_mb = 0;
  CassandraStoreConfig cassandra;
};

// windows.*: the pipeline's windowed aggregation (process/windows).
struct WindowsConfig {
  WindowsEnabled enabled = WindowsEnabled::automatic;  // auto: on with the sqlite store
  std::string table;
  std::string event_time;
  std::string group_by;
  std::string aggregates;
  int64_t size_ms = 0;
  int64_t slide_ms = 0;  // 0: size_ms (tumbling)
  int64_t allowed_lateness_ms = 0;
  LateRecords late_records = LateRecords::drop;
  MissingGroup missing_group = MissingGroup::null_group;
  std::string null_group;  // the null group's text group-by value
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
  std::string topics;  // comma-separated; empty: bus.topic
  bool create_topics = false;
  int64_t max_topics = 0;
};

// observe.*: the HTTP endpoint of the pipeline roles (/healthz, /readyz, /metrics; observe/README.md).
struct ObserveConfig {
  int64_t http_port = 0;  // 0: no endpoint
  std::string http_address;
};

// log.*: the operator's log on stderr (core/log.h).
struct LogConfig {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
  int64_t status_interval_ms = 0;  // 0: no status line
  int64_t repeat_interval_ms = 0;
};

struct Config {
  std::string data_dir;
  BusConfig bus;
  SourceConfig source;
  ProcessorConfig processor;
  StoreConfig store;
  WindowsConfig windows;
  ServeConfig serve;
  ObserveConfig observe;
  LogConfig log;

  // Where each option not left at its default was last set: "<file>:<line>:<col>"
  // or "--set". Checks of an option's value after loading name it through option_location().
  std::map<std::string, std::string, std::less<>> origins;

  std::filesystem::path store_path() const;
  // How an error about option `path` begins: "<file>:<line>:<col>: <path>",
  // "--set <path>", or "<path>" when it has its default value.
  std::string option_location(std::string_view path) const;
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
