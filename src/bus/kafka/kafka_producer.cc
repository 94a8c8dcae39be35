// bus/kafka/kafka_producer.cc: produce with delivery reports, backpressure, checkpoints.
#include "bus/kafka/kafka_producer.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <tuple>

#include "bus/kafka/kafka_admin.h"

namespace kascade {
namespace {

// What one send() waits for. Its address is every message's opaque; the
// delivery callback runs inside rd_kafka_poll() on the sending thread.
struct DeliveryTracker {
  size_t pending = 0;
  size_t failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void on_delivery(const rd_kafka_message_t* message) {
  auto* tracker = static_cast<DeliveryTracker*>(message->_private);
  --tracker->pending;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (tracker->failed++ == 0) tracker->first_error = message->err;
  }
}

struct HeadersDeleter {
  void operator()(rd_kafka_headers_t* headers) const { rd_kafka_headers_destroy(headers); }
};

// Queues one message, polling (which serves delivery reports and frees queue
// space) while the bounded producer queue is full.
rd_kafka_resp_err_t produce(rd_kafka_t* rk, const std::string& topic, std::string_view key, std::string_view value,
                            const std::vector<Header>& headers, int64_t timestamp_ms, DeliveryTracker& tracker) {
  while (true) {
    std::unique_ptr<rd_kafka_headers_t, HeadersDeleter> owned;
    if (!headers.empty()) {
      owned.reset(rd_kafka_headers_new(headers.size()));
      for (const Header& h : headers) {
        rd_kafka_header_add(owned.get(), h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
      }
    }
    // No copy flag: send() waits for every delivery report, so the caller's
    // bytes outlive the messages. An empty key is sent as no key.
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(0),
                          RD_KAFKA_V_HEADERS(owned.get()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                          RD_KAFKA_V_OPAQUE(&tracker), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)owned.release();  // librdkafka owns the headers now
      ++tracker.pending;
      return err;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return err;
    rd_kafka_poll(rk, 50);  // backpressure: wait for deliveries to make room
  }
}

// Every checkpoint record carries the format of its value in this header; a
// record without it was written before formats were stamped (format 1: the
// value is the source's position as the source wrote it).
constexpr const char* kCheckpointFormatHeader = "kascade.format";
constexpr int kCheckpointFormat = 1;

// The format of a checkpoint record, or an error when it is newer than this
// binary reads (or unreadable): never misread a position.
Result<int> checkpoint_format(const rd_kafka_message_t* message, const std::string& key) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || headers == nullptr) return 1;
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, kCheckpointFormatHeader, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return 1;
  }
  const std::string text(static_cast<const char*>(value), value == nullptr ? 0 : size);
  int format = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), format);
  if (ec != std::errc() || end != text.data() + text.size() || format < 1) {
    return Error::make(Errc::corrupt, fmt::format("the checkpoint '{}' in topic {} has an unreadable {} header '{}'",
                                                  key, kCheckpointTopic, kCheckpointFormatHeader, text));
  }
  if (format > kCheckpointFormat) {
    return Error::make(Errc::unsupported_format,
                       fmt::format("the checkpoint '{}' in topic {} has format version {}, newer than this kascade "
                                   "supports ({}): it was written by a newer kascade; upgrade kascade to a release "
                                   "that supports format {}",
                                   key, kCheckpointTopic, format, kCheckpointFormat, format));
  }
  return format;
}

// The key of a source's checkpoint on `topic`.
std::string checkpoint_key(std::string_view topic, std::string_view source) {
  return fmt::format("{}/{}", topic, source);
}

void wait_for_deliveries(rd_kafka_t* rk, DeliveryTracker& tracker) {
  // Bounded by message.timeout.ms (bus.kafka.delivery_timeout_ms): every
  // queued message gets a report, delivered or failed, by then.
  while (tracker.pending > 0) rd_kafka_poll(rk, 100);
}

}  // namespace

Result<std::unique_ptr<KafkaProducer>> KafkaProducer::open(const KafkaOptions& options) {
  const KafkaProperties settings = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", options.compression},
      {"linger.ms", std::to_string(options.linger_ms)},
      {"batch.size", std::to_string(options.batch_bytes)},
      {"max.in.flight.requests.per.connection", std::to_string(options.max_in_flight)},
      {"message.timeout.ms", std::to_string(options.delivery_timeout_ms)},
      {"queue.buffering.max.kbytes", std::to_string(options.queue_max_kbytes)},
      {"queue.buffering.max.messages", "1000000"},
      // Kafka's Java default partitioner: murmur2 of the key, random when keyless.
      {"partitioner", "murmur2_random"},
  };
  auto client = KafkaClient::open(RD_KAFKA_PRODUCER, options, settings, &on_delivery);
  if (!client) return client.error();
  // Fail now, clearly and within the request timeout, if the cluster cannot be used.
  if (auto metadata = (*client)->metadata(nullptr); !metadata) return metadata.error();
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(*client)));
}

Status KafkaProducer::send(std::string_view topic, std::span<const Record> records,
                           const SourceCheckpoint* checkpoint) {
  const std::string topic_name(topic);
  rd_kafka_t* rk = client_->get();
  DeliveryTracker tracker;
  rd_kafka_resp_err_t enqueue_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (const Record& record : records) {
    enqueue_error = produce(rk, topic_name, record.key, record.value, record.headers, record.timestamp_ms, tracker);
    if (enqueue_error != RD_KAFKA_RESP_ERR_NO_ERROR) break;
  }
  // Even after a failure, wait: the queued messages point into `records`.
  wait_for_deliveries(rk, tracker);
  if (enqueue_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return client_->error(fmt::format("producing to '{}'", topic_name), enqueue_error);
  }
  if (tracker.failed > 0) {
    Error error = client_->error(
        fmt::format("{} of {} records to '{}' were not delivered", tracker.failed, records.size(), topic_name),
        tracker.first_error);
    error.retriable = false;  // librdkafka already retried until the delivery timeout
    return error;
  }
  if (!records.empty()) client_->note_success();
  if (checkpoint == nullptr) return ok_status();

  return store_checkpoint(checkpoint_key(topic, checkpoint->source), checkpoint->position);
}

Status KafkaProducer::ensure_checkpoint_topic() {
  if (checkpoint_topic_ready_) return ok_status();
  if (auto status = create_kafka_topic(*client_, kCheckpointTopic, 1, client_->options().replication_factor,
                                       {{"cleanup.policy", "compact"}});
      !status) {
    return status;
  }
  checkpoint_topic_ready_ = true;
  return ok_status();
}

Result<std::vector<StoredSourcePosition>> KafkaProducer::read_checkpoints(std::map<std::string, Error>& unreadable) {
  if (auto status = ensure_checkpoint_topic(); !status) return status.error();
  const int timeout_ms = static_cast<int>(client_->options().request_timeout_ms);
  int64_t low = 0, high = 0;
  if (auto status = query_kafka_watermarks(*client_, kCheckpointTopic, 0, low, high); !status) {
    return Error::make(status.error().code, "reading source checkpoints: " + status.message(),
                       status.error().retriable);
  }
  std::map<std::string, StoredSourcePosition> latest;  // by key; a tombstone erases its key
  if (high > low) {
    // A consumer assigned to the whole (compacted) topic: the last value
    // under a key is its checkpoint. librdkafka wants a group.id even for
    // assign(); with assign() and no commits the group is never joined.
    auto reader = KafkaClient::open(
        RD_KAFKA_CONSUMER, client_->options(),
        {{"group.id", "kascade-checkpoint-reader"}, {"enable.auto.commit", "false"}, {"enable.partition.eof", "true"}});
    if (!reader) return reader.error();
    rd_kafka_t* rk = (*reader)->get();
    PartitionList assignment = make_partition_list(1);
    rd_kafka_topic_partition_list_add(assignment.get(), kCheckpointTopic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (auto err = rd_kafka_assign(rk, assignment.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return client_->error("reading source checkpoints", err);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int64_t next = low;
    while (next < high) {
      if (std::chrono::steady_clock::now() > deadline) {
        return client_->error("reading source checkpoints", RD_KAFKA_RESP_ERR__TIMED_OUT);
      }
      rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 100);
      if (message == nullptr) continue;
      const rd_kafka_resp_err_t err = message->err;
      if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        next = std::max(next, message->offset);
      } else if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        next = message->offset + 1;
        std::string key(static_cast<const char*>(message->key), message->key_len);
        // Only a key's last record counts: a newer one replaces an unreadable one.
        unreadable.erase(key);
        if (auto format = checkpoint_format(message, key); !format) {
          latest.erase(key);
          unreadable.emplace(key, format.error());
        } else if (message->payload == nullptr) {
          latest.erase(key);
        } else {
          StoredSourcePosition entry;
          const size_t slash = key.find('/');
          entry.source = slash == std::string::npos ? key : key.substr(slash + 1);
          entry.topic = slash == std::string::npos ? "" : key.substr(0, slash);
          entry.position.assign(static_cast<const char*>(message->payload), message->len);
          rd_kafka_timestamp_type_t type;
          const int64_t at = rd_kafka_message_timestamp(message, &type);
          if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && at > 0) entry.updated_ms = at;
          latest[std::move(key)] = std::move(entry);
        }
        deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
      }
      rd_kafka_message_destroy(message);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__PARTITION_EOF &&
          !is_retriable_kafka_error(err)) {
        return client_->error("reading source checkpoints", err);
      }
    }
    rd_kafka_consumer_close(rk);
  }
  std::vector<StoredSourcePosition> out;
  for (auto& [key, entry] : latest) out.push_back(std::move(entry));
  std::sort(out.begin(), out.end(), [](const StoredSourcePosition& a, const StoredSourcePosition& b) {
    return std::tie(a.topic, a.source) < std::tie(b.topic, b.source);
  });
  return out;
}

Result<std::optional<std::string>> KafkaProducer::load_checkpoint(std::string_view topic, std::string_view source) {
  std::map<std::string, Error> unreadable;
  auto all = read_checkpoints(unreadable);
  if (!all) return all.error();
  if (auto it = unreadable.find(checkpoint_key(topic, source)); it != unreadable.end()) return it->second;
  for (StoredSourcePosition& entry : *all) {
    if (entry.topic == topic && entry.source == source) return std::optional<std::string>(std::move(entry.position));
  }
  return std::optional<std::string>();
}

Result<std::vector<StoredSourcePosition>> KafkaProducer::list_checkpoints() {
  std::map<std::string, Error> unreadable;
  auto all = read_checkpoints(unreadable);
  if (all && !unreadable.empty()) return unreadable.begin()->second;
  return all;
}

Status KafkaProducer::reset_checkpoint(std::string_view topic, std::string_view source,
                                       const std::optional<std::string>& position) {
  if (topic.empty()) {
    // A checkpoint written before positions were kept per topic: only removing it makes sense.
    if (position) return Error::make(Errc::invalid_argument, "a position is stored for a topic: name the topic");
    return store_checkpoint(std::string(source), std::nullopt);
  }
  return store_checkpoint(checkpoint_key(topic, source), position);
}

Status KafkaProducer::store_checkpoint(const std::string& key, const std::optional<std::string>& position) {
  if (auto status = ensure_checkpoint_topic(); !status) return status;
  DeliveryTracker tracker;
  // No position: a tombstone (a null value), which compaction eventually drops.
  const std::string_view value = position ? std::string_view(*position) : std::string_view();
  const std::vector<Header> headers = {{kCheckpointFormatHeader, std::to_string(kCheckpointFormat)}};
  const rd_kafka_resp_err_t err = produce(client_->get(), kCheckpointTopic, key, value, headers, 0, tracker);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) wait_for_deliveries(client_->get(), tracker);
  const rd_kafka_resp_err_t failure = err != RD_KAFKA_RESP_ERR_NO_ERROR ? err : tracker.first_error;
  if (failure != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return client_->error(fmt::format("storing the checkpoint '{}'", key), failure);
  }
  return ok_status();
}

}  // namespace kascade
