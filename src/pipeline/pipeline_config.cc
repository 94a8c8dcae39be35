// pipeline/pipeline_config.cc: config file + command-line flags -> Config.
#include "pipeline/pipeline_config.h"

#include <array>
#include <filesystem>
#include <string_view>

#include "pipeline/config_check.h"

namespace kascade {
namespace {

// The options that name a file or a folder.
struct PathOption {
  std::string_view name;
  std::string& (*field)(Config&);
};
constexpr std::array<PathOption, 8> kPathOptions{{
    {"data_dir", [](Config& c) -> std::string& { return c.data_dir; }},
    {"store.path", [](Config& c) -> std::string& { return c.store.path; }},
    {"store.cassandra.tls_ca_file", [](Config& c) -> std::string& { return c.store.cassandra.tls_ca_file; }},
    {"store.cassandra.tls_cert_file", [](Config& c) -> std::string& { return c.store.cassandra.tls_cert_file; }},
    {"store.cassandra.tls_key_file", [](Config& c) -> std::string& { return c.store.cassandra.tls_key_file; }},
    {"serve.auth.tokens_file", [](Config& c) -> std::string& { return c.serve.auth.tokens_file; }},
    {"serve.tls.cert_file", [](Config& c) -> std::string& { return c.serve.tls.cert_file; }},
    {"serve.tls.key_file", [](Config& c) -> std::string& { return c.serve.tls.key_file; }},
}};

// A relative path the file gives is relative to the file's folder, wherever kascade runs from
// (a path given by a flag or --set stays relative to the working directory).
void resolve_from_folder(Config& config, const std::filesystem::path& folder) {
  if (folder.empty()) return;
  for (const PathOption& option : kPathOptions) {
    std::string& value = option.field(config);
    if (value.empty() || !config.origins.contains(option.name) || std::filesystem::path(value).is_absolute()) continue;
    value = (folder / value).lexically_normal().string();
  }
}

}  // namespace

Result<Config> load_pipeline_config(const std::string& config_file, const std::string& data_dir,
                                    const std::vector<std::string>& overrides) {
  Result<Config> config = config_file.empty() ? Result<Config>(default_config()) : load_config_file(config_file);
  if (!config) return config;
  if (!config_file.empty()) resolve_from_folder(*config, std::filesystem::path(config_file).parent_path());
  if (!data_dir.empty()) config->data_dir = data_dir;
  for (const auto& assignment : overrides) {
    if (auto status = set_config_option(*config, assignment); !status) return status.error();
  }
  if (auto status = finalize_config(*config); !status) return status.error();
  // Every option's inner syntax, before anything opens.
  if (auto status = check_option_syntax(*config); !status) return status.error();
  return config;
}

ProcessorOptions processor_options(const Config& config) {
  return ProcessorOptions{.group = config.processor.group,
                          .topic = config.bus.topic,
                          .batch_records = static_cast<size_t>(config.processor.batch_records),
                          .poll_timeout = std::chrono::milliseconds(config.processor.poll_timeout_ms),
                          .queue_batches = static_cast<size_t>(config.processor.queue_batches),
                          .max_record_bytes = static_cast<size_t>(config.processor.max_record_bytes)};
}

}  // namespace kascade
