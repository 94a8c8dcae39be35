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
};

struct BusConfig {
  std::string type;  // embedded
  std::string topic;
  int64_t partitions = 0;
  EmbeddedBusConfig embedded;
};

struct SourceConfig {
  std::string type;  // generator
  std::string name;
  std::string seed;
  int64_t records = 0;  // 0: endless
  int64_t batch_records = 0;
  double malformed_ratio = 0;
};

struct ProcessorConfig {
  std::string group;
  int64_t max_record_bytes = 0;
  int64_t batch_records = 0;
  int64_t poll_timeout_ms = 0;
  int64_t queue_batches = 0;
};

struct StoreConfig {
  std::string type;  // sqlite
  std::string path;  // empty: <data_dir>/store.db
  std::string sync;  // full | normal
  int64_t cache_mb = 0;
};

struct Config {
  std::string data_dir;
  BusConfig bus;
  SourceConfig source;
  ProcessorConfig processor;
  StoreConfig store;

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
