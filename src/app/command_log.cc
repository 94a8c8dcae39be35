// app/command_log.cc: a long-running command's operator log: its settings, and the start line.
#include "app/command_log.h"

#include <fmt/format.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "config/option_table.h"
#include "core/log.h"

namespace kascade {

void start_command_log(std::string_view command, const Config& config) {
  logging::configure({.level = static_cast<logging::Level>(config.log.level),
                      .format = config.log.format == LogFormat::json ? logging::Format::json : logging::Format::text,
                      .repeat_interval = std::chrono::milliseconds(config.log.repeat_interval_ms)});
  std::deque<std::string> values;  // stable storage for the fields' views
  std::string origins;
  std::vector<logging::Field> fields = {
      {"version", KASCADE_VERSION}, {"command", command}, {"pid", static_cast<int64_t>(getpid())}};
  for (const OptionSpec& option : option_table()) {
    fields.emplace_back(option.path, values.emplace_back(shown_option_value(config, option)));
    if (auto origin = config.origins.find(option.path); origin != config.origins.end()) {
      origins += fmt::format("{}{}@{}", origins.empty() ? "" : ", ", option.path, origin->second);
    }
  }
  fields.emplace_back("origins", origins.empty() ? std::string_view("defaults") : std::string_view(origins));
  logging::write(logging::Level::info, "kascade", fmt::format("kascade {} {} starting", KASCADE_VERSION, command),
                 fields);
}

}  // namespace kascade
