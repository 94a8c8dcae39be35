// bus/embedded/embedded_producer.h: the Producer of the embedded bus.
#pragma once

#include "bus/bus.h"
#include "bus/embedded/embedded_log.h"

namespace kascade {

// Sends to an EmbeddedLog it does not own. Stateless beyond the log, so any
// thread may use it; send() returns once the records (and the checkpoint,
// in the same transaction) are durable per the log's sync mode.
class EmbeddedProducer final : public Producer {
 public:
  explicit EmbeddedProducer(EmbeddedLog& log) : log_(log) {}

  Status send(std::string_view topic, std::span<const Record> records, const SourceCheckpoint* checkpoint) override;
  Result<std::optional<std::string>> load_checkpoint(std::string_view topic, std::string_view source) override;
  Result<std::vector<StoredSourcePosition>> list_checkpoints() override;
  Status reset_checkpoint(std::string_view topic, std::string_view source,
                          const std::optional<std::string>& position) override;

 private:
  EmbeddedLog& log_;
};

}  // namespace kascade
