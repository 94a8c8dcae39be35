// bus/kafka/kafka_producer.h: the Producer of the Kafka bus.
#pragma once

#include <map>
#include <memory>

#include "bus/bus.h"
#include "bus/kafka/kafka_client.h"

namespace kascade {

// The compacted topic holding source checkpoints, keyed "<topic>/<source name>"
// (a Kafka topic name holds no '/'). The topic lives in the cluster, so a
// position is per cluster, topic and source name. A key without '/' was
// written before positions were kept per topic: it is listed, never resumed from.
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

  Status send(std::string_view topic, std::span<const Record> records, const SourceCheckpoint* checkpoint) override;
  Result<std::optional<std::string>> load_checkpoint(std::string_view topic, std::string_view source) override;
  Result<std::vector<StoredSourcePosition>> list_checkpoints() override;
  Status reset_checkpoint(std::string_view topic, std::string_view source,
                          const std::optional<std::string>& position) override;

 private:
  explicit KafkaProducer(std::unique_ptr<KafkaClient> client) : client_(std::move(client)) {}
  Status ensure_checkpoint_topic();
  // The last value of every key of kCheckpointTopic (keys whose last value is a tombstone left out).
  // Every key's last checkpoint; `unreadable` gets the keys whose last record is
  // in a format this binary does not read (each with its error).
  Result<std::vector<StoredSourcePosition>> read_checkpoints(std::map<std::string, Error>& unreadable);
  Status store_checkpoint(const std::string& key, const std::optional<std::string>& position);

  std::unique_ptr<KafkaClient> client_;
  bool checkpoint_topic_ready_ = false;
};

}  // namespace kascade
