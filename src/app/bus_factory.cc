// app/bus_factory.cc: every built-in bus, registered here.
#include "app/bus_factory.h"

#include <filesystem>

#include <fmt/format.h>

#include "bus/embedded/embedded_bus.h"

namespace kascade {
namespace {

EmbeddedLogOptions embedded_log_options(const Config& config) {
  EmbeddedLogOptions options;
  options.default_partitions = static_cast<int32_t>(config.bus.partitions);
  options.retention_bytes = config.bus.embedded.retention_bytes;
  options.retention_ms = config.bus.embedded.retention_ms;
  options.sync = config.bus.embedded.sync == "normal" ? SyncMode::normal : SyncMode::full;
  options.max_record_bytes = config.bus.embedded.max_record_bytes;
  options.compression = config.bus.embedded.compression == "none" ? Compression::none : Compression::lz4;
  return options;
}

Result<std::unique_ptr<Bus>> open_embedded_bus(const Config& config, BusUse use) {
  if (use == BusUse::inspect && !std::filesystem::exists(config.log_dir())) {
    return Error::make(Errc::not_found, fmt::format("no embedded log at {} (run `kascade run` first, or pass "
                                                    "--data-dir)", config.log_dir().string()));
  }
  auto log = EmbeddedLog::open(config.data_dir, embedded_log_options(config));
  if (!log) return log.error();
  return std::unique_ptr<Bus>(std::make_unique<EmbeddedBus>(std::move(*log)));
}

}  // namespace

Result<std::unique_ptr<Bus>> open_bus(const Config& config, BusUse use) {
  if (config.bus.type == "embedded") return open_embedded_bus(config, use);
  return Error::make(Errc::config, fmt::format("bus.type: unknown bus '{}'", config.bus.type));
}

}  // namespace kascade
