// config/config_file.cc: reading a config file whole, with the reason when it cannot be read.
#include "config/config_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kascade {

Result<std::string> read_config_file(const std::filesystem::path& file) {
  auto refuse = [&](std::string_view why) {
    return Error::make(Errc::config, fmt::format("{}: cannot read the config file: {}", file.string(), why));
  };
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec) return refuse(ec.message());
  if (std::filesystem::is_directory(status)) return refuse("it is a directory");
  if (!std::filesystem::is_regular_file(status)) return refuse("not a regular file");
  std::ifstream in(file, std::ios::binary);
  if (!in) return refuse(std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return refuse(std::strerror(errno));
  return buffer.str();
}

}  // namespace kascade
