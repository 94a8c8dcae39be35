// bus/embedded/embedded_log.h: kascade's default bus: durable topics on one machine, on SQLite.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "bus/embedded/log_options.h"
#include "bus/embedded/topic_store.h"
#include "core/record.h"
#include "core/result.h"

namespace kascade {

// Owns the topics under <data_dir>/log/ (one SQLite file per topic): per
// open topic a writer connection (appends, group commits, retention,
// repair) behind a mutex, and a shared reader connection behind another
// mutex. A topic's file is opened at first use; beyond
// options.max_open_topics the least recently used idle topics are closed.
// Thread-safe: any thread may call any method. Consumers open their own
// reader connections (open_reader), so their reads never wait on appends.
// Other processes may open the same data dir; SQLite's locks and busy
// timeout serialize their writes.
class EmbeddedLog {
 public:
  static Result<std::unique_ptr<EmbeddedLog>> open(std::string data_dir, EmbeddedLogOptions options = {});
  ~EmbeddedLog();
  EmbeddedLog(const EmbeddedLog&) = delete;
  EmbeddedLog& operator=(const EmbeddedLog&) = delete;

  const EmbeddedLogOptions& options() const { return options_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string topic_path(std::string_view topic) const;
  static Status validate_topic_name(std::string_view topic);

  // Creates the topic if missing (partitions <= 0: options.default_partitions).
  // An existing topic keeps its partition count; either way returns it.
  Result<TopicInfo> create_topic(std::string_view topic, int32_t partitions = 0);
  Result<std::vector<std::string>> list_topics() const;
  Result<TopicInfo> describe(std::string_view topic);

  // Appends records durably (one transaction, with the checkpoint if given):
  // by key with murmur2, keyless records of one call to one partition chosen
  // round-robin, or all to `partition` if given. Creates the topic if
  // missing. Fails as a whole: nothing is stored unless everything is.
  Status append(std::string_view topic, std::span<const Record> records, const SourceCheckpoint* checkpoint = nullptr,
                std::optional<int32_t> partition = std::nullopt);

  // Records of one partition from from_offset (raised to the partition's
  // start), at most max_records and about max_bytes (key + value; the
  // first record always comes). Errc::corrupt if a batch fails its CRC.
  Result<PolledBatch> read(std::string_view topic, int32_t partition, int64_t from_offset, size_t max_records,
                           size_t max_bytes = SIZE_MAX);

  Result<OffsetMap> committed(std::string_view topic, std::string_view group);
  Status commit(std::string_view topic, std::string_view group, const OffsetMap& next_offsets);

  // The checkpoint stored for a source with one topic, or the latest one
  // stored for it in any topic.
  Result<std::optional<std::string>> load_checkpoint(std::string_view topic, std::string_view source);
  Result<std::optional<std::string>> load_checkpoint(std::string_view source);
  // Every checkpoint of every topic; a reset stores `position` for the
  // source on `topic`, or forgets its checkpoint (nullopt).
  Result<std::vector<StoredSourcePosition>> list_checkpoints();
  Status reset_checkpoint(std::string_view topic, std::string_view source, const std::optional<std::string>& position);

  // The topic's batches that fail verification: each partition's newest
  // (through the topic's shared reader), or every one (through a connection
  // of its own, closed afterwards: the topic is not kept open for it).
  Result<std::vector<CorruptBatch>> verify(std::string_view topic, VerifyDepth depth);

  // Moves the topic's corrupt batches into its quarantined_batches table
  // (one transaction); returns them. Consumers then skip their offsets.
  Result<std::vector<CorruptBatch>> quarantine(std::string_view topic);

  // True when no stored record of `topic` is at or past `positions` (the
  // next offsets of a reader), gaps left by retention or quarantine included.
  Result<bool> caught_up(std::string_view topic, const OffsetMap& positions);

  // How many topics have their files open now (tests, metrics).
  size_t open_topic_count() const;

  // Applies retention_bytes / retention_ms to every open topic now.
  // Returns the number of batches deleted.
  Result<int64_t> enforce_retention(int64_t now_ms);

  // Moves a topic's WAL into its main file (maintenance, tests).
  Status checkpoint_wal(std::string_view topic);

  // Opens a new connection to an existing topic, for one consumer thread.
  Result<std::unique_ptr<TopicStore>> open_reader(std::string_view topic);

  // Counts this process's appends. wait_for_append returns true as soon as
  // the count differs from `seen`, false after `timeout`. Appends by other
  // processes are not signalled: callers poll in short slices as well.
  uint64_t append_sequence() const;
  bool wait_for_append(uint64_t seen, std::chrono::milliseconds timeout);

 private:
  struct Topic;
  EmbeddedLog(std::string data_dir, EmbeddedLogOptions options);
  // The open topic, opening (create_partitions > 0: creating) it if needed.
  // The caller's reference keeps it open (it is idle once only the map holds it).
  Result<std::shared_ptr<Topic>> topic(std::string_view name, int32_t create_partitions);
  void close_idle_topics();  // caller holds topics_mu_
  Status encode(Topic& t, std::span<const Record> records, std::optional<int32_t> partition,
                std::vector<EncodedBatch>& batches);
  void maybe_enforce_retention(Topic& t);
  Result<TopicStore*> shared_reader(Topic& t);  // caller holds t.read_mu

  const std::string data_dir_;
  const EmbeddedLogOptions options_;
  mutable std::mutex topics_mu_;  // guards topics_, Topic::last_used and use_clock_
  std::map<std::string, std::shared_ptr<Topic>, std::less<>> topics_;
  uint64_t use_clock_ = 0;

  mutable std::mutex notify_mu_;
  std::condition_variable appended_;
  uint64_t append_seq_ = 0;
};

}  // namespace kascade
