// bus/kafka/kafka_options.h: what the Kafka bus needs to know, independent of
// the YAML config (pipeline/bus_factory.cc fills it from bus.kafka.*).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace kascade {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

struct KafkaOptions {
  std::string brokers = "127.0.0.1:9092";
  // librdkafka settings passed through as given (security.protocol,
  // sasl.*, ssl.*, ...). They are applied last, so they win.
  KafkaProperties properties;
  int32_t default_partitions = 4;
  int32_t replication_factor = 1;
  std::string compression = "lz4";  // none | gzip | snappy | lz4 | zstd
  int64_t linger_ms = 5;
  int64_t batch_bytes = 1 << 20;
  int64_t max_in_flight = 5;            // idempotence allows at most 5
  int64_t queue_max_kbytes = 64 << 10;  // producer queue bound (backpressure)
  int64_t delivery_timeout_ms = 300000;
  int64_t session_timeout_ms = 10000;
  // Bounds every blocking admin call (metadata, create topic, offsets).
  int64_t request_timeout_ms = 15000;
};

// Parses "key=value;key=value" (blank entries ignored). Errc::config on an
// entry without '=' or with an empty key.
Result<KafkaProperties> parse_kafka_properties(std::string_view text);

// Keys whose values must never be printed: anything naming a password,
// secret, token or a JAAS config.
bool is_secret_property(std::string_view key);

// `text` with every secret value of `properties` replaced by "[redacted]".
std::string redact_secrets(std::string text, const KafkaProperties& properties);

}  // namespace kascade
