// app/command_log.h: a long-running command's operator log: its settings, and the start line.
#pragma once

#include <string_view>

#include "config/config.h"

namespace kascade {

// Applies config.log to the log (core/log.h) and writes one line: the version, the command and the
// effective config, every option with its value (secrets as ***), and where each non-default came from.
void start_command_log(std::string_view command, const Config& config);

}  // namespace kascade
