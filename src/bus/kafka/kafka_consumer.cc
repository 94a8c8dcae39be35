// bus/kafka/kafka_consumer.cc: group membership, rebalances, polling, commits.
#include "bus/kafka/kafka_consumer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

#include "bus/kafka/kafka_admin.h"
#include "core/log.h"

namespace kascade {
namespace {

std::vector<int32_t> partition_ids(const rd_kafka_topic_partition_list_t* list) {
  std::vector<int32_t> ids;
  for (int i = 0; i < list->cnt; ++i) ids.push_back(list->elems[i].partition);
  return ids;
}

// Copies one message into `batch` (its views point into the batch's buffers).
void append_message(const rd_kafka_message_t* message, PolledBatch& batch) {
  std::string& bytes = batch.buffers.emplace_back();
  bytes.reserve(message->key_len + message->len);
  if (message->key != nullptr) bytes.append(static_cast<const char*>(message->key), message->key_len);
  if (message->payload != nullptr) bytes.append(static_cast<const char*>(message->payload), message->len);
  const std::string_view all(bytes);

  ConsumedRecord record;
  record.partition = message->partition;
  record.offset = message->offset;
  rd_kafka_timestamp_type_t type;
  record.timestamp_ms = rd_kafka_message_timestamp(message, &type);
  record.key = all.substr(0, message->key_len);
  record.value = all.substr(message->key_len);

  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers != nullptr) {
    std::vector<HeaderView>& views = batch.header_blocks.emplace_back();
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      const std::string& stored_name = batch.buffers.emplace_back(name);
      const std::string& stored_value = batch.buffers.emplace_back(
          value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size));
      views.push_back(HeaderView{stored_name, stored_value});
    }
    record.headers = views;
  }
  batch.records.push_back(record);
}

}  // namespace

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::open(const KafkaOptions& options, std::string topic,
                                                           std::string group) {
  const KafkaProperties settings = {
      {"group.id", group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(std::max<int64_t>(options.session_timeout_ms / 4, 100))},
  };
  auto client = KafkaClient::open(RD_KAFKA_CONSUMER, options, settings, nullptr, /*rebalance=*/true);
  if (!client) return client.error();
  rd_kafka_poll_set_consumer((*client)->get());
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(*client), std::move(topic), std::move(group)));
}

KafkaConsumer::KafkaConsumer(std::unique_ptr<KafkaClient> client, std::string topic, std::string group)
    : client_(std::move(client)),
      topic_(std::move(topic)),
      group_(std::move(group)),
      cooperative_(std::string_view(rd_kafka_rebalance_protocol(client_->get())) != "EAGER") {
  client_->set_rebalance_handler(
      [this](rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) { on_rebalance(err, partitions); });
}

KafkaConsumer::~KafkaConsumer() {
  // Whoever polled is gone: closing commits the last offsets commit() was
  // given (see revoke()) and hands the partitions back.
  listener_ = nullptr;
  rd_kafka_consumer_close(client_->get());
  client_->set_rebalance_handler(nullptr);
}

Status KafkaConsumer::start(const OffsetMap& positions) {
  // Fails now, clearly and within the request timeout, if the cluster or
  // the topic cannot be used.
  if (auto partitions = kafka_topic_partitions(*client_, topic_); !partitions) return partitions.status();
  first_positions_ = positions;
  PartitionList subscription = make_partition_list(1);
  rd_kafka_topic_partition_list_add(subscription.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
  if (auto err = rd_kafka_subscribe(client_->get(), subscription.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return client_->error(fmt::format("subscribing to '{}'", topic_), err);
  }
  return ok_status();
}

void KafkaConsumer::on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    assign(partitions);
  } else {
    revoke(partitions);
  }
}

void KafkaConsumer::assign(rd_kafka_topic_partition_list_t* partitions) {
  const std::vector<int32_t> ids = partition_ids(partitions);
  logging::info(
      "kafka",
      fmt::format("group '{}' rebalanced: partitions [{}] of '{}' gained", group_, fmt::join(ids, ", "), topic_),
      {{"event", "rebalance"},
       {"group", group_},
       {"topic", topic_},
       {"gained", fmt::format("{}", fmt::join(ids, ","))},
       {"lost", ""}});
  OffsetMap start;
  if (auto committed = fetch_committed_offsets(*client_, topic_, ids); committed) start = *committed;
  if (!assigned_once_) {
    for (int32_t id : ids) {
      if (auto it = first_positions_.find(id); it != first_positions_.end()) start[id] = it->second;
    }
    assigned_once_ = true;
  }
  if (listener_ != nullptr) {
    if (auto status = listener_->partitions_assigned(ids, start); !status) rebalance_failure_ = status.error();
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    auto it = start.find(partitions->elems[i].partition);
    // No known position: the committed offset, else the partition's start.
    partitions->elems[i].offset = it == start.end() ? RD_KAFKA_OFFSET_INVALID : it->second;
  }
  if (cooperative_) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_assign(client_->get(), partitions)) {
      rebalance_failure_ = Error::make(
          Errc::internal, fmt::format("kafka: assigning partitions of '{}': {}", topic_, rd_kafka_error_string(error)));
      rd_kafka_error_destroy(error);
      return;
    }
  } else {
    rd_kafka_assign(client_->get(), partitions);
  }
  assigned_.insert(ids.begin(), ids.end());
}

void KafkaConsumer::revoke(rd_kafka_topic_partition_list_t* partitions) {
  const std::vector<int32_t> ids = partition_ids(partitions);
  const bool lost = rd_kafka_assignment_lost(client_->get()) != 0;
  logging::info("kafka",
                fmt::format("group '{}' rebalanced: partitions [{}] of '{}' {}", group_, fmt::join(ids, ", "), topic_,
                            lost ? "lost (the session expired)" : "given up"),
                {{"event", "rebalance"},
                 {"group", group_},
                 {"topic", topic_},
                 {"gained", ""},
                 {"lost", fmt::format("{}", fmt::join(ids, ","))}});
  OffsetMap acknowledged;
  if (listener_ != nullptr) {
    acknowledged = listener_->partitions_revoked(ids);
  } else {
    // No listener (closing): retry what commit() was last given, in case a
    // rebalance in progress refused it then.
    for (int32_t id : ids) {
      if (auto it = last_commit_request_.find(id); it != last_commit_request_.end()) acknowledged[id] = it->second;
    }
  }
  // Lost (our session expired): another member may own them already, so a
  // commit from here could move its offsets back.
  if (!rd_kafka_assignment_lost(client_->get()) && !acknowledged.empty()) {
    if (auto status = commit_now(acknowledged); !status) {
      logging::warn(
          "kafka",
          fmt::format("commit on revoke failed (the next owner re-reads from the last commit): {}", status.message()),
          {{"group", group_}, {"topic", topic_}, {"cause", status.message()}});
    }
  }
  if (cooperative_) {
    if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(client_->get(), partitions)) {
      rd_kafka_error_destroy(error);
    }
  } else {
    rd_kafka_assign(client_->get(), nullptr);
  }
  for (int32_t id : ids) {
    assigned_.erase(id);
    last_commit_request_.erase(id);
  }
  revoked_during_poll_ = true;
}

Result<PolledBatch> KafkaConsumer::poll(size_t max_records, std::chrono::milliseconds timeout) {
  PolledBatch batch;
  batch.topic = topic_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (batch.records.size() < max_records) {
    int wait_ms = 0;
    if (batch.records.empty()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(left.count(), 0));
    }
    rd_kafka_message_t* message = rd_kafka_consumer_poll(client_->get(), wait_ms);
    if (revoked_during_poll_) {
      // Records gathered earlier in this call from partitions now revoked
      // were never seen by the listener: drop them (they are not committed,
      // so the next owner reads them).
      std::erase_if(batch.records, [&](const ConsumedRecord& r) { return assigned_.count(r.partition) == 0; });
      revoked_during_poll_ = false;
    }
    if (rebalance_failure_) {
      if (message != nullptr) rd_kafka_message_destroy(message);
      Error failure = std::move(*rebalance_failure_);
      rebalance_failure_.reset();
      return failure;
    }
    if (message == nullptr) {
      if (batch.records.empty() && std::chrono::steady_clock::now() < deadline) continue;
      break;
    }
    const rd_kafka_resp_err_t err = message->err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (assigned_.count(message->partition) != 0) append_message(message, batch);
      rd_kafka_message_destroy(message);
      continue;
    }
    rd_kafka_message_destroy(message);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
    if (!batch.records.empty()) break;  // hand over what we have; the error comes back if it persists
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      std::array<char, 512> reason{};
      rd_kafka_fatal_error(client_->get(), reason.data(), reason.size());
      return Error::make(Errc::unavailable, fmt::format("kafka consumer of '{}': fatal: {}", topic_, reason.data()));
    }
    return client_->error(fmt::format("consuming '{}'", topic_), err);
  }
  if (!batch.records.empty()) client_->note_success();
  return batch;
}

Status KafkaConsumer::commit(const OffsetMap& next_offsets) {
  for (const auto& [partition, next] : next_offsets) {
    if (assigned_.count(partition) != 0) last_commit_request_[partition] = next;
  }
  return commit_now(next_offsets);
}

Status KafkaConsumer::commit_now(const OffsetMap& next_offsets) {
  PartitionList list = make_partition_list(static_cast<int>(next_offsets.size()));
  for (const auto& [partition, next] : next_offsets) {
    if (assigned_.count(partition) == 0) continue;  // owned by another member now
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition)->offset = next;
  }
  if (list->cnt == 0) return ok_status();
  const rd_kafka_resp_err_t err = rd_kafka_commit(client_->get(), list.get(), /*async=*/0);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return ok_status();
  return client_->error(fmt::format("committing offsets of group '{}' on '{}'", group_, topic_), err);
}

}  // namespace kascade
