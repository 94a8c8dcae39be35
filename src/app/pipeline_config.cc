// app/pipeline_config.cc: config file + command-line flags -> Config.
#include "app/pipeline_config.h"

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
  return config;
}

}  // namespace kascade
