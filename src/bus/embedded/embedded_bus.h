// bus/embedded/embedded_bus.h: the Bus of the embedded durable log.
#pragma once

#include <memory>

#include "bus/bus.h"
#include "bus/embedded/embedded_log.h"

namespace kascade {

// Owns one EmbeddedLog; producers and consumers it opens borrow it, so the
// bus must outlive them.
class EmbeddedBus final : public Bus {
 public:
  explicit EmbeddedBus(std::unique_ptr<EmbeddedLog> log) : log_(std::move(log)) {}

  EmbeddedLog& log() { return *log_; }

  std::string describe_self() const override;
  Status create_topic(std::string_view topic, int32_t partitions) override;
  Result<std::vector<std::string>> list_topics() override;
  Result<TopicInfo> describe(std::string_view topic) override;
  Result<OffsetMap> committed(std::string_view topic, std::string_view group) override;
  Result<std::unique_ptr<Producer>> open_producer() override;
  Result<std::unique_ptr<Consumer>> open_consumer(std::string topic, std::string group) override;
  bool caught_up(std::string_view topic, const OffsetMap& positions) override;
  Result<std::vector<CorruptBatch>> verify(std::string_view topic, VerifyDepth depth) override;

 private:
  std::unique_ptr<EmbeddedLog> log_;
};

}  // namespace kascade
