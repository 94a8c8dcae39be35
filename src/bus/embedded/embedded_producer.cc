// bus/embedded/embedded_producer.cc: Producer -> EmbeddedLog::append.
#include "bus/embedded/embedded_producer.h"

namespace kascade {

Status EmbeddedProducer::send(std::string_view topic, std::span<const Record> records,
                              const SourceCheckpoint* checkpoint) {
  return log_.append(topic, records, checkpoint);
}

Result<std::optional<std::string>> EmbeddedProducer::load_checkpoint(std::string_view topic, std::string_view source) {
  return log_.load_checkpoint(topic, source);
}

Result<std::vector<StoredSourcePosition>> EmbeddedProducer::list_checkpoints() { return log_.list_checkpoints(); }

Status EmbeddedProducer::reset_checkpoint(std::string_view topic, std::string_view source,
                                          const std::optional<std::string>& position) {
  return log_.reset_checkpoint(topic, source, position);
}

}  // namespace kascade
