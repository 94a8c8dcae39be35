// pipeline/pipeline_config.h: the config a command runs with: file (or defaults), then flags.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "process/processor.h"

namespace kascade {

// Loads `config_file` (or the defaults when empty), then applies the
// command-line flags on top, then the cross-field checks. Errors are
// Errc::config (exit code 2). Relative paths in the file (data_dir,
// store.path, the TLS and token files) are relative to the file's folder.
Result<Config> load_pipeline_config(const std::string& config_file, const std::string& data_dir,
                                    const std::vector<std::string>& overrides = {});

// The processor's options from processor.* and bus.topic (the program and the
// windows are the caller's to add).
ProcessorOptions processor_options(const Config& config);

}  // namespace kascade
