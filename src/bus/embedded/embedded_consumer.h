// bus/embedded/embedded_consumer.h: the Consumer of the embedded bus (one topic, one group).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "bus/bus.h"
#include "bus/embedded/embedded_log.h"
#include "bus/embedded/topic_store.h"

namespace kascade {

// Reads one topic for one consumer group through its own SQLite connection
// (so reads never wait on appends). Owns its positions. Used by one thread
// at a time; the EmbeddedLog it reads must outlive it.
class EmbeddedConsumer final : public Consumer {
 public:
  // Creates the topic if missing, so a processor may start before a source.
  static Result<std::unique_ptr<EmbeddedConsumer>> open(EmbeddedLog& log, std::string topic, std::string group,
                                                        size_t max_poll_bytes = 32u << 20);

  Status start(const OffsetMap& positions) override;
  // Round-robins the partitions, starting one further each poll. Waits for
  // an append (this process: woken at once; another process: seen within
  // ~20 ms) until `timeout`. Errc::corrupt if a stored batch fails its CRC.
  Result<PolledBatch> poll(size_t max_records, std::chrono::milliseconds timeout) override;
  Status commit(const OffsetMap& next_offsets) override;

  // Next offset to read, per partition (after start()).
  const OffsetMap& positions() const { return positions_; }
  int32_t partitions() const { return reader_->partitions(); }

 private:
  EmbeddedConsumer(EmbeddedLog& log, std::string topic, std::string group, size_t max_poll_bytes,
                   std::unique_ptr<TopicStore> reader);
  Result<bool> poll_once(size_t max_records, PolledBatch& out);

  EmbeddedLog& log_;
  const std::string topic_;
  const std::string group_;
  const size_t max_poll_bytes_;
  std::unique_ptr<TopicStore> reader_;
  OffsetMap positions_;
  bool started_ = false;
  int32_t next_partition_ = 0;
};

}  // namespace kascade
