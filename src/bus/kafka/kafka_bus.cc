// bus/kafka/kafka_bus.cc: administration and the factory of Kafka producers and consumers.
#include "bus/kafka/kafka_bus.h"

#include <fmt/format.h>

#include "bus/kafka/kafka_admin.h"
#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/kafka_producer.h"

namespace kascade {

Result<std::unique_ptr<KafkaBus>> KafkaBus::open(const KafkaOptions& options) {
  auto admin = KafkaClient::open(RD_KAFKA_PRODUCER, options, {});
  if (!admin) return admin.error();
  if (auto metadata = (*admin)->metadata(nullptr); !metadata) return metadata.error();
  return std::unique_ptr<KafkaBus>(new KafkaBus(std::move(*admin)));
}

std::string KafkaBus::describe_self() const { return fmt::format("kafka at {}", admin_->options().brokers); }

Status KafkaBus::create_topic(std::string_view topic, int32_t partitions) {
  return create_kafka_topic(*admin_, std::string(topic), partitions, admin_->options().replication_factor);
}

Result<std::vector<std::string>> KafkaBus::list_topics() { return list_kafka_topics(*admin_); }

Result<TopicInfo> KafkaBus::describe(std::string_view topic) {
  return describe_kafka_topic(*admin_, std::string(topic));
}

Result<OffsetMap> KafkaBus::committed(std::string_view topic, std::string_view group) {
  const std::string name(topic);
  auto partitions = kafka_topic_partitions(*admin_, name);
  if (!partitions) return partitions.error();
  // A consumer handle with the group's id that never subscribes: it asks
  // the group coordinator without joining (so no rebalance is caused).
  auto cached = committed_readers_.find(group);
  if (cached == committed_readers_.end()) {
    auto reader = KafkaClient::open(RD_KAFKA_CONSUMER, admin_->options(),
                                    {{"group.id", std::string(group)}, {"enable.auto.commit", "false"}});
    if (!reader) return reader.error();
    cached = committed_readers_.emplace(std::string(group), std::move(*reader)).first;
  }
  auto offsets = fetch_committed_offsets(*cached->second, name, *partitions);
  if (!offsets) committed_readers_.erase(cached);  // the next call starts with a new handle
  return offsets;
}

Result<std::unique_ptr<Producer>> KafkaBus::open_producer() {
  auto producer = KafkaProducer::open(admin_->options());
  if (!producer) return producer.error();
  return std::unique_ptr<Producer>(std::move(*producer));
}

Result<std::unique_ptr<Consumer>> KafkaBus::open_consumer(std::string topic, std::string group) {
  auto consumer = KafkaConsumer::open(admin_->options(), std::move(topic), std::move(group));
  if (!consumer) return consumer.error();
  return std::unique_ptr<Consumer>(std::move(*consumer));
}

}  // namespace kascade
