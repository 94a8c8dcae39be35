// bus/embedded/embedded_bus.cc
#include "bus/embedded/embedded_bus.h"

#include "bus/embedded/embedded_consumer.h"
#include "bus/embedded/embedded_producer.h"

namespace kascade {

std::string EmbeddedBus::describe_self() const { return "embedded log in " + log_->data_dir(); }

Status EmbeddedBus::create_topic(std::string_view topic, int32_t partitions) {
  auto created = log_->create_topic(topic, partitions);
  if (!created) return created.error();
  return {};
}

Result<std::vector<std::string>> EmbeddedBus::list_topics() { return log_->list_topics(); }

Result<TopicInfo> EmbeddedBus::describe(std::string_view topic) { return log_->describe(topic); }

Result<OffsetMap> EmbeddedBus::committed(std::string_view topic, std::string_view group) {
  return log_->committed(topic, group);
}

Result<std::unique_ptr<Producer>> EmbeddedBus::open_producer() {
  return std::unique_ptr<Producer>(std::make_unique<EmbeddedProducer>(*log_));
}

Result<std::unique_ptr<Consumer>> EmbeddedBus::open_consumer(std::string topic, std::string group) {
  auto consumer = EmbeddedConsumer::open(*log_, std::move(topic), std::move(group));
  if (!consumer) return consumer.error();
  return std::unique_ptr<Consumer>(std::move(*consumer));
}

bool EmbeddedBus::caught_up(std::string_view topic, const OffsetMap& positions) {
  auto done = log_->caught_up(topic, positions);
  return done.ok() && *done;
}

Result<std::vector<CorruptBatch>> EmbeddedBus::verify(std::string_view topic, VerifyDepth depth) {
  return log_->verify(topic, depth);
}

}  // namespace kascade
