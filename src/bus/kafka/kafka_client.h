// bus/kafka/kafka_client.h: one librdkafka handle (producer or consumer) with
// its configuration, error capture and the mapping of librdkafka errors to
// kascade's Errc. Shared by the bus (admin), the producer and the consumer.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "bus/kafka/kafka_options.h"
#include "core/log.h"
#include "core/result.h"

namespace kascade {

// Deleters so librdkafka objects are released on every path.
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
inline PartitionList make_partition_list(int size) { return PartitionList(rd_kafka_topic_partition_list_new(size)); }

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

class KafkaClient {
 public:
  using RebalanceHandler = std::function<void(rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*)>;
  // Called from inside rd_kafka_poll()/flush() for every produced message;
  // the message's opaque (_private) is what the producer passed to it.
  using DeliveryHandler = void (*)(const rd_kafka_message_t* message);

  // `settings` are this role's librdkafka settings (group.id, acks, ...);
  // options.properties are applied after them. A delivery handler or
  // `rebalance` registers the matching callback.
  static Result<std::unique_ptr<KafkaClient>> open(rd_kafka_type_t type, const KafkaOptions& options,
                                                   const KafkaProperties& settings,
                                                   DeliveryHandler on_delivery = nullptr, bool rebalance = false);
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  rd_kafka_t* get() const { return handle_; }
  const KafkaOptions& options() const { return options_; }
  std::chrono::milliseconds request_timeout() const { return std::chrono::milliseconds(options_.request_timeout_ms); }

  // Called from inside rd_kafka_consumer_poll() when the group moves partitions.
  void set_rebalance_handler(RebalanceHandler handler) { rebalance_ = std::move(handler); }

  // A metadata request bounded by the request timeout: fails clearly (with
  // the broker's or the login's error) when the cluster cannot be used.
  Result<Metadata> metadata(const char* topic_or_null);

  // An Error for a failed librdkafka call, naming `what` and, when it helps,
  // the last error the client's connections reported.
  Error error(const std::string& what, rd_kafka_resp_err_t err) const;

  // The last error reported through error_cb (secrets redacted), or "".
  std::string last_error() const;

  // The cluster answered (a record consumed, a delivery acknowledged): ends a broker outage in the log.
  void note_success();

 private:
  explicit KafkaClient(const KafkaOptions& options) : options_(options) {}

  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message);
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque);

  KafkaOptions options_;
  rd_kafka_t* handle_ = nullptr;
  RebalanceHandler rebalance_;
  DeliveryHandler delivery_ = nullptr;
  mutable std::mutex error_mutex_;
  std::string last_error_;
  logging::Outage* outage_ = nullptr;  // shared by every client of the same brokers (one line per outage)
  logging::Throttle log_lines_;        // librdkafka's own error lines: one per repeat interval
};

// True for errors that go away by themselves (a broker restarting, a
// leader moving, a rebalance in progress).
bool is_retriable_kafka_error(rd_kafka_resp_err_t err);

}  // namespace kascade
