// bus/kafka/kafka_producer.h: the Producer of the Kafka bus.
#pragma once

#include <memory>

#include "bus/bus.h"
#include "bus/kafka/kafka_client.h"

namespace kascade {

// The compacted topic holding source checkpoints, keyed by source name.
inline constexpr const char* kCheckpointTopic = "__kascade_checkpoints";

// An idempotent producer (acks=all): send() returns ok only once every
// record's delivery report succeeded, and the first failed report otherwise.
// Kafka cannot store a checkpoint atomically with records, so a send's
// checkpoint goes to kCheckpointTopic after its records were delivered: a
// crash between the two re-sends those records on restart (at least once;
// the store's upsert by id makes it exactly once in effect). One thread at a time.
class KafkaProducer final : public Producer {
 public:
  static Result<std::unique_ptr<KafkaProducer>> open(const KafkaOptions& options);

  Status send(std::string_view topic, std::span<const Record> records,
              const SourceCheckpoint* checkpoint) override;
  Result<std::optional<std::string>> load_checkpoint(std::string_view source) override;

 private:
  explicit KafkaProducer(std::unique_ptr<KafkaClient> client) : client_(std::move(client)) {}
  Status ensure_checkpoint_topic();

  std::unique_ptr<KafkaClient> client_;
  bool checkpoint_topic_ready_ = false;
};

}  // namespace kascade
