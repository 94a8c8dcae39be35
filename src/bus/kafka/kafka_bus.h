// bus/kafka/kafka_bus.h: the Bus of an Apache Kafka cluster (through librdkafka).
#pragma once

#include <map>
#include <memory>

#include "bus/bus.h"
#include "bus/kafka/kafka_client.h"
#include "bus/kafka/kafka_options.h"

namespace kascade {

// One admin connection (a producer handle used for metadata, topic creation,
// watermarks) plus the options its producers and consumers are opened with.
class KafkaBus final : public Bus {
 public:
  // Connects and makes one metadata request: an unreachable cluster or a
  // failed login is reported here, within options.request_timeout_ms.
  static Result<std::unique_ptr<KafkaBus>> open(const KafkaOptions& options);

  std::string describe_self() const override;
  Status create_topic(std::string_view topic, int32_t partitions) override;
  Result<std::vector<std::string>> list_topics() override;
  // Partitions with their low and high watermarks (bytes are not reported: 0).
  Result<TopicInfo> describe(std::string_view topic) override;
  // Read from the broker, as the group's coordinator has them. The consumer
  // handle that asks is kept per group for the next call (a dashboard or a
  // metrics scrape asks every few seconds).
  Result<OffsetMap> committed(std::string_view topic, std::string_view group) override;
  Result<std::unique_ptr<Producer>> open_producer() override;
  Result<std::unique_ptr<Consumer>> open_consumer(std::string topic, std::string group) override;

 private:
  explicit KafkaBus(std::unique_ptr<KafkaClient> admin) : admin_(std::move(admin)) {}

  std::unique_ptr<KafkaClient> admin_;
  std::map<std::string, std::unique_ptr<KafkaClient>, std::less<>> committed_readers_;  // by group
};

}  // namespace kascade
