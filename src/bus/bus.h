// bus/bus.h: the interface between sources, the topic log and the processor.
//
// Two implementations: the embedded durable log (bus/embedded) and Apache
// Kafka. Offsets follow Kafka's meaning: a committed offset is the next
// offset to read.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"

namespace kascade {

// A source's position, stored by the bus together with the records it follows.
struct SourceCheckpoint {
  std::string source;
  std::string position;
};

// A source position as the bus holds it (`kascade sources ls`).
struct StoredSourcePosition {
  std::string source;
  std::string topic;  // empty: a Kafka checkpoint written before positions were kept per topic
  std::string position;
  std::optional<int64_t> updated_ms;  // when it was stored, if the bus knows
};

// Records returned by one poll. Owns the bytes its records' views point into.
struct PolledBatch {
  std::string topic;
  std::vector<ConsumedRecord> records;
  // Storage behind the views. Deques: appending never moves what is there.
  std::deque<std::string> buffers;
  std::deque<std::vector<HeaderView>> header_blocks;

  bool empty() const { return records.empty(); }
};

struct PartitionInfo {
  int32_t partition = 0;
  int64_t start_offset = 0;  // first offset still retained
  int64_t end_offset = 0;    // high watermark: next offset to be written
  int64_t bytes = 0;         // stored size (compressed), 0 if unknown
};

// A stored record batch that failed verification (CRC32C or its header):
// reported, never cut silently. Only the embedded log has them.
struct CorruptBatch {
  std::string file;  // the topic file
  int32_t partition = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int32_t record_count = 0;
  std::string reason;

  // "<file>: partition P, offsets A-B (N records): <reason>"
  std::string describe() const;
};

// Errc::corrupt naming every batch (file, partition, offsets) and the way out.
Error corruption_error(const std::vector<CorruptBatch>& batches);

// How much of a topic Bus::verify reads: each partition's newest batch (cheap), or every batch.
enum class VerifyDepth { newest, every };

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
};

// Writes records. send() returns only once every record is durably on the bus.
class Producer {
 public:
  virtual ~Producer() = default;

  // Partitions by key (murmur2, as Kafka's default partitioner does).
  // With a checkpoint, a bus that can stores it atomically with the records.
  virtual Status send(std::string_view topic, std::span<const Record> records, const SourceCheckpoint* checkpoint) = 0;

  // The last checkpoint a source stored with its records on `topic`, if any:
  // a position is per source name and topic (and per cluster on Kafka).
  virtual Result<std::optional<std::string>> load_checkpoint(std::string_view topic, std::string_view source) = 0;

  // Every source position the bus holds, ordered by topic and source.
  virtual Result<std::vector<StoredSourcePosition>> list_checkpoints() = 0;

  // Moves a source's position on `topic` (as a consumer-group offset reset
  // does): to `position`, or back to the start (nullopt: the position is removed).
  virtual Status reset_checkpoint(std::string_view topic, std::string_view source,
                                  const std::optional<std::string>& position) = 0;
};

// Told by a Consumer, from inside poll(), when the group moves partitions
// (Kafka consumer groups). The embedded consumer never rebalances.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;

  // `partitions` were just assigned; `start` holds where each would start
  // (the group's committed offset where one exists). The listener may change
  // or add entries, e.g. to offsets its sink stored with the rows.
  virtual Status partitions_assigned(std::span<const int32_t> partitions, OffsetMap& start) = 0;

  // Before `partitions` are taken away: the listener gets everything it
  // polled from them acknowledged by its sink, forgets them, and returns the
  // next offsets to commit for them, which the consumer commits before
  // letting go. What it could not get acknowledged is left out (the next
  // owner reads it again).
  virtual OffsetMap partitions_revoked(std::span<const int32_t> partitions) = 0;
};

// Reads one topic for one consumer group.
class Consumer {
 public:
  virtual ~Consumer() = default;

  // The listener is called from inside poll() (so on the polling thread) and
  // must outlive its registration; nullptr unregisters it.
  virtual void set_rebalance_listener(RebalanceListener* /*listener*/) {}

  // Where each partition starts: these offsets where given, otherwise the
  // group's committed offset, otherwise the partition's start.
  virtual Status start(const OffsetMap& positions) = 0;

  // Records in offset order per partition; empty after `timeout` if none.
  virtual Result<PolledBatch> poll(size_t max_records, std::chrono::milliseconds timeout) = 0;

  // Records the group's progress (next offsets to read).
  virtual Status commit(const OffsetMap& next_offsets) = 0;
};

// One bus connection: administration, inspection, and the factory of
// producers and consumers. The embedded log and a Kafka cluster each
// implement it; the app opens one from the config (pipeline/bus_factory.h).
class Bus {
 public:
  virtual ~Bus() = default;

  // A short name for messages: "embedded log at ./kascade-data", "kafka at 127.0.0.1:9092".
  virtual std::string describe_self() const = 0;

  // Creates the topic with `partitions` if it does not exist; an existing
  // topic keeps its partitions.
  virtual Status create_topic(std::string_view topic, int32_t partitions) = 0;
  virtual Result<std::vector<std::string>> list_topics() = 0;
  virtual Result<TopicInfo> describe(std::string_view topic) = 0;

  // The group's committed offsets (next offset to read) per partition.
  virtual Result<OffsetMap> committed(std::string_view topic, std::string_view group) = 0;

  virtual Result<std::unique_ptr<Producer>> open_producer() = 0;
  virtual Result<std::unique_ptr<Consumer>> open_consumer(std::string topic, std::string group) = 0;

  // True when every partition of `topic` has been read up to its end by
  // `positions` (the processor's next offsets). Used by bounded runs to stop
  // once the source is done and everything it wrote was processed.
  // A bus whose log may skip offsets (the embedded log after `kascade log
  // repair`) overrides it.
  virtual bool caught_up(std::string_view topic, const OffsetMap& positions);

  // The topic's stored batches that fail verification. A bus without a
  // local log of its own (Kafka checks its CRCs itself) has none.
  virtual Result<std::vector<CorruptBatch>> verify(std::string_view /*topic*/, VerifyDepth /*depth*/) {
    return std::vector<CorruptBatch>{};
  }
};

}  // namespace kascade
