// pipeline/bus_factory.cc: every built-in bus, registered here.
#include "pipeline/bus_factory.h"

#include <fmt/format.h>

#include <filesystem>

#include "bus/embedded/embedded_bus.h"
#include "bus/kafka/kafka_bus.h"

namespace kascade {
namespace {

EmbeddedLogOptions embedded_log_options(const Config& config) {
  EmbeddedLogOptions options;
  options.default_partitions = static_cast<int32_t>(config.bus.partitions);
  options.retention_bytes = config.bus.embedded.retention_bytes;
  options.retention_ms = config.bus.embedded.retention_ms;
  options.sync = config.bus.embedded.sync == SyncLevel::normal ? SyncMode::normal : SyncMode::full;
  options.max_record_bytes = config.bus.embedded.max_record_bytes;
  options.compression = config.bus.embedded.compression == LogCompression::none ? Compression::none : Compression::lz4;
  options.max_open_topics = static_cast<int32_t>(config.bus.embedded.max_open_topics);
  return options;
}

Result<std::unique_ptr<Bus>> open_embedded_bus(const Config& config, BusUse use) {
  if (use == BusUse::inspect && !std::filesystem::exists(config.log_dir())) {
    return Error::make(Errc::not_found, fmt::format("no embedded log at {} (run `kascade run` first, or pass "
                                                    "--data-dir)",
                                                    config.log_dir().string()));
  }
  auto log = EmbeddedLog::open(config.data_dir, embedded_log_options(config));
  if (!log) return log.error();
  return std::unique_ptr<Bus>(std::make_unique<EmbeddedBus>(std::move(*log)));
}

Result<std::unique_ptr<Bus>> open_kafka_bus(const Config& config) {
  const KafkaBusConfig& kafka = config.bus.kafka;
  auto properties = parse_kafka_properties(kafka.properties);
  if (!properties) return Error::make(Errc::config, "bus.kafka.properties: " + properties.error().message);
  KafkaOptions options{.brokers = kafka.brokers,
                       .properties = std::move(*properties),
                       .default_partitions = static_cast<int32_t>(config.bus.partitions),
                       .replication_factor = static_cast<int32_t>(kafka.replication_factor),
                       .compression = kafka.compression,
                       .linger_ms = kafka.linger_ms,
                       .batch_bytes = kafka.batch_bytes,
                       .max_in_flight = kafka.max_in_flight,
                       .queue_max_kbytes = kafka.queue_max_kbytes,
                       .delivery_timeout_ms = kafka.delivery_timeout_ms,
                       .session_timeout_ms = kafka.session_timeout_ms,
                       .request_timeout_ms = kafka.request_timeout_ms};
  auto bus = KafkaBus::open(options);
  if (!bus) return bus.error();
  return std::unique_ptr<Bus>(std::move(*bus));
}

}  // namespace

Result<std::unique_ptr<Bus>> open_bus(const Config& config, BusUse use) {
  switch (config.bus.type) {
    case BusType::embedded:
      return open_embedded_bus(config, use);
    case BusType::kafka:
      return open_kafka_bus(config);
  }
  return Error::make(Errc::config, "bus.type: unknown bus");
}

}  // namespace kascade
