// bus/kafka/tests/mock_cluster.h: librdkafka's in-process mock cluster for unit tests.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <string>

#include "bus/kafka/kafka_options.h"

namespace kascade::test_support {

// A mock Kafka cluster (real protocol over 127.0.0.1 sockets) owned by a
// handle of its own; clients reach it through bootstraps().
class MockKafkaCluster {
 public:
  explicit MockKafkaCluster(int brokers = 1) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::array<char, 256> reason{};
    rd_kafka_conf_set(conf, "log_level", "3", reason.data(), reason.size());
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, reason.data(), reason.size());
    cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
  }
  ~MockKafkaCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
  }
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  rd_kafka_mock_cluster_t* get() { return cluster_; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

  KafkaOptions options() const {
    KafkaOptions options;
    options.brokers = bootstraps();
    options.request_timeout_ms = 5000;
    options.session_timeout_ms = 6000;
    options.delivery_timeout_ms = 5000;
    options.linger_ms = 1;
    return options;
  }

 private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace kascade::test_support
