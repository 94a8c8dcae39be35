// bus/kafka/kafka_admin.h: the few admin and metadata calls the Kafka bus
// makes, each bounded by the client's request timeout.
#pragma once

#include <string>
#include <vector>

#include "bus/bus.h"
#include "bus/kafka/kafka_client.h"

namespace kascade {

// Creates `topic` (Admin API) unless it exists; an existing topic keeps its
// partitions. `configs` are topic configs such as cleanup.policy=compact.
Status create_kafka_topic(KafkaClient& client, const std::string& topic, int32_t partitions, int32_t replication_factor,
                          const KafkaProperties& configs = {});

// Partition ids of `topic`; Errc::not_found if the cluster does not have it.
Result<std::vector<int32_t>> kafka_topic_partitions(KafkaClient& client, const std::string& topic);

// Low and high watermark of one partition. Retries while the cluster is
// still settling (a topic just created, a leader moving), up to the request timeout.
Status query_kafka_watermarks(KafkaClient& client, const std::string& topic, int32_t partition, int64_t& low,
                              int64_t& high);

// Low and high watermark of every partition of `topic`.
Result<TopicInfo> describe_kafka_topic(KafkaClient& client, const std::string& topic);

// Topic names, internal ones ("__...") left out.
Result<std::vector<std::string>> list_kafka_topics(KafkaClient& client);

// The committed offsets of `client`'s consumer group for `partitions` of
// `topic`; partitions without a commit are left out.
Result<OffsetMap> fetch_committed_offsets(KafkaClient& client, const std::string& topic,
                                          const std::vector<int32_t>& partitions);

}  // namespace kascade
