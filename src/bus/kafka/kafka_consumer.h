// bus/kafka/kafka_consumer.h: the Consumer of the Kafka bus, one member of a consumer group.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "bus/bus.h"
#include "bus/kafka/kafka_client.h"

namespace kascade {

// Subscribes to one topic as a member of `group` (cooperative-sticky
// assignment, auto-commit off). Offsets are committed only through commit(),
// i.e. after the sink acknowledged, and only for partitions this member
// owns. On a rebalance (inside poll()) it asks its RebalanceListener where
// new partitions start and what to commit for revoked ones, and commits that
// before giving them up. Used by one thread at a time.
class KafkaConsumer final : public Consumer {
 public:
  static Result<std::unique_ptr<KafkaConsumer>> open(const KafkaOptions& options, std::string topic, std::string group);
  // Leaves the group (its partitions move to the other members at once).
  ~KafkaConsumer() override;

  void set_rebalance_listener(RebalanceListener* listener) override { listener_ = listener; }
  Status start(const OffsetMap& positions) override;
  Result<PolledBatch> poll(size_t max_records, std::chrono::milliseconds timeout) override;
  Status commit(const OffsetMap& next_offsets) override;

  const std::set<int32_t>& assignment() const { return assigned_; }

 private:
  KafkaConsumer(std::unique_ptr<KafkaClient> client, std::string topic, std::string group);
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void assign(rd_kafka_topic_partition_list_t* partitions);
  void revoke(rd_kafka_topic_partition_list_t* partitions);
  Status commit_now(const OffsetMap& next_offsets);

  std::unique_ptr<KafkaClient> client_;
  const std::string topic_;
  const std::string group_;
  const bool cooperative_;
  RebalanceListener* listener_ = nullptr;
  OffsetMap first_positions_;  // start()'s offsets, for the first assignment only
  bool assigned_once_ = false;
  std::set<int32_t> assigned_;
  std::optional<Error> rebalance_failure_;  // returned by the next poll()
  bool revoked_during_poll_ = false;
  OffsetMap last_commit_request_;  // per owned partition, retried when closing
};

}  // namespace kascade
