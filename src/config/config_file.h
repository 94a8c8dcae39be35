// config/config_file.h: the text of a config file, or a config error that says why it cannot be read.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace kascade {

// The whole file. A missing, unreadable or non-regular file (a directory, say)
// is an Errc::config error naming the file and the reason, so both the option
// loader and the pipeline loader refuse it with exit code 2.
Result<std::string> read_config_file(const std::filesystem::path& file);

}  // namespace kascade
