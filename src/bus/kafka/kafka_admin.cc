// bus/kafka/kafka_admin.cc: topic creation, metadata, watermarks, committed offsets.
#include "bus/kafka/kafka_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

namespace kascade {
namespace {

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* options) const { rd_kafka_AdminOptions_destroy(options); }
};

}  // namespace

namespace {

// From a metadata request for all topics: asking for one topic by name may
// make a broker with auto.create.topics.enable create it with its defaults.
Result<bool> kafka_topic_exists(KafkaClient& client, const std::string& topic) {
  auto metadata = client.metadata(nullptr);
  if (!metadata) return metadata.error();
  for (int t = 0; t < (*metadata)->topic_cnt; ++t) {
    if (topic == (*metadata)->topics[t].topic && (*metadata)->topics[t].partition_cnt > 0) return true;
  }
  return false;
}

}  // namespace

Status create_kafka_topic(KafkaClient& client, const std::string& topic, int32_t partitions, int32_t replication_factor,
                          const KafkaProperties& configs) {
  auto exists = kafka_topic_exists(client, topic);
  if (!exists) return exists.error();
  if (*exists) return ok_status();  // no admin request (or admin rights) needed
  std::array<char, 512> reason{};
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> new_topic(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, reason.data(), reason.size()));
  if (!new_topic) return Error::make(Errc::config, fmt::format("topic '{}': {}", topic, reason.data()));
  for (const auto& [key, value] : configs) {
    rd_kafka_NewTopic_set_config(new_topic.get(), key.c_str(), value.c_str());
  }
  const int timeout_ms = static_cast<int>(client.options().request_timeout_ms);
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(client.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, reason.data(), reason.size());
  // Wait until the topic is really created, so producers can use it at once.
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, reason.data(), reason.size());
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(client.get()));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(client.get(), topics, 1, options.get(), queue.get());

  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(rd_kafka_queue_poll(queue.get(), 2 * timeout_ms + 1000));
  if (!event) return client.error(fmt::format("creating topic '{}'", topic), RD_KAFKA_RESP_ERR__TIMED_OUT);
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return client.error(fmt::format("creating topic '{}'", topic), rd_kafka_event_error(event.get()));
  }
  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    const char* detail = rd_kafka_topic_result_error_string(results[i]);
    Error error = client.error(fmt::format("creating topic '{}'", topic), err);
    if (detail != nullptr) error.message += fmt::format(" ({})", detail);
    if (err == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR || err == RD_KAFKA_RESP_ERR_INVALID_PARTITIONS) {
      error.code = Errc::config;  // bus.kafka.replication_factor / bus.partitions do not fit the cluster
    }
    return error;
  }
  return ok_status();
}

Result<std::vector<int32_t>> kafka_topic_partitions(KafkaClient& client, const std::string& topic) {
  auto metadata = client.metadata(nullptr);
  if (!metadata) return metadata.error();
  for (int t = 0; t < (*metadata)->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& entry = (*metadata)->topics[t];
    if (topic != entry.topic) continue;
    if (entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || entry.partition_cnt == 0) break;
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) return client.error(fmt::format("topic '{}'", topic), entry.err);
    std::vector<int32_t> partitions;
    for (int p = 0; p < entry.partition_cnt; ++p) partitions.push_back(entry.partitions[p].id);
    std::sort(partitions.begin(), partitions.end());
    return partitions;
  }
  return Error::make(Errc::not_found, fmt::format("kafka at {}: no topic '{}'", client.options().brokers, topic));
}

Status query_kafka_watermarks(KafkaClient& client, const std::string& topic, int32_t partition, int64_t& low,
                              int64_t& high) {
  const auto deadline = std::chrono::steady_clock::now() + client.request_timeout();
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        client.get(), topic.c_str(), partition, &low, &high, static_cast<int>(std::max<int64_t>(left.count(), 1)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return ok_status();
    const bool settling = err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || is_retriable_kafka_error(err);
    if (!settling || std::chrono::steady_clock::now() + std::chrono::milliseconds(100) >= deadline) {
      return client.error(fmt::format("watermarks of {}[{}]", topic, partition), err);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // librdkafka answers from its metadata cache, which may predate a topic
    // created a moment ago; a metadata request refreshes the cache.
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) (void)kafka_topic_partitions(client, topic);
  }
}

Result<TopicInfo> describe_kafka_topic(KafkaClient& client, const std::string& topic) {
  auto partitions = kafka_topic_partitions(client, topic);
  if (!partitions) return partitions.error();
  TopicInfo info{topic, {}};
  for (int32_t partition : *partitions) {
    int64_t low = 0, high = 0;
    if (auto status = query_kafka_watermarks(client, topic, partition, low, high); !status) return status.error();
    info.partitions.push_back(PartitionInfo{.partition = partition, .start_offset = low, .end_offset = high});
  }
  return info;
}

Result<std::vector<std::string>> list_kafka_topics(KafkaClient& client) {
  auto metadata = client.metadata(nullptr);
  if (!metadata) return metadata.error();
  std::vector<std::string> names;
  for (int t = 0; t < (*metadata)->topic_cnt; ++t) {
    const std::string name = (*metadata)->topics[t].topic;
    if (name.rfind("__", 0) != 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<OffsetMap> fetch_committed_offsets(KafkaClient& client, const std::string& topic,
                                          const std::vector<int32_t>& partitions) {
  PartitionList list = make_partition_list(static_cast<int>(partitions.size()));
  for (int32_t partition : partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
  const rd_kafka_resp_err_t err =
      rd_kafka_committed(client.get(), list.get(), static_cast<int>(client.options().request_timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return client.error(fmt::format("committed offsets of '{}'", topic), err);
  OffsetMap committed;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& entry = list->elems[i];
    if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return client.error(fmt::format("committed offset of {}[{}]", topic, entry.partition), entry.err);
    }
    if (entry.offset >= 0) committed[entry.partition] = entry.offset;
  }
  return committed;
}

}  // namespace kascade
