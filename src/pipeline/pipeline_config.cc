// pipeline/pipeline_config.cc: config file + command-line flags -> Config.
#include "pipeline/pipeline_config.h"

#include "pipeline/config_check.h"

namespace kascade {

Result<Config> load_pipeline_config(const std::string& config_file, const std::string& data_dir,
                                    const std::vector<std::string>& overrides) {
  Result<Config> config = config_file.empty() ? Result<Config>(default_config()) : load_config_file(config_file);
  if (!config) return config;
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
