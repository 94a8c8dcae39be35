// bus/kafka/kafka_client.cc: librdkafka handle setup, callbacks, error mapping.
#include "bus/kafka/kafka_client.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <memory>

namespace kascade {
namespace {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

Status set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, const char* origin) {
  std::array<char, 512> reason{};
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), reason.data(), reason.size()) == RD_KAFKA_CONF_OK) {
    return ok_status();
  }
  // librdkafka's reason may quote the value: never show it for a secret.
  const std::string why = is_secret_property(key) ? "invalid value (not shown: secret)" : std::string(reason.data());
  return Error::make(Errc::config, fmt::format("{}: {}: {}", origin, key, why));
}

// One outage per broker list, whichever client (admin, producer, consumer) sees it first.
logging::Outage& outage_of(const std::string& brokers) {
  static std::mutex mutex;
  static auto* outages = new std::map<std::string, std::unique_ptr<logging::Outage>>();  // never destroyed
  std::lock_guard lock(mutex);
  auto& outage = (*outages)[brokers];
  if (!outage)
    outage = std::make_unique<logging::Outage>("kafka", fmt::format("Kafka broker {}", brokers), "brokers", brokers);
  return *outage;
}

bool is_broker_down(int err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         err == RD_KAFKA_RESP_ERR__RESOLVE;
}

bool is_authentication_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
         err == RD_KAFKA_RESP_ERR__SSL || err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
         err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED || err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}

}  // namespace

bool is_retriable_kafka_error(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<KafkaClient>> KafkaClient::open(rd_kafka_type_t type, const KafkaOptions& options,
                                                       const KafkaProperties& settings, DeliveryHandler on_delivery,
                                                       bool rebalance) {
  std::unique_ptr<KafkaClient> client(new KafkaClient(options));
  client->outage_ = &outage_of(options.brokers);
  Conf conf(rd_kafka_conf_new());
  const std::vector<std::pair<std::string, std::string>> common = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "kascade"},
      // Idle connections closed by the broker are normal, not worth a line.
      {"log.connection.close", "false"},
      {"socket.connection.setup.timeout.ms", std::to_string(options.request_timeout_ms)},
  };
  for (const auto& [key, value] : common) {
    if (auto status = set(conf.get(), key, value, "kafka client"); !status) return status.error();
  }
  for (const auto& [key, value] : settings) {
    if (auto status = set(conf.get(), key, value, "kafka client"); !status) return status.error();
  }
  for (const auto& [key, value] : options.properties) {
    if (auto status = set(conf.get(), key, value, "bus.kafka.properties"); !status) return status.error();
  }
  rd_kafka_conf_set_opaque(conf.get(), client.get());
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaClient::on_error);
  rd_kafka_conf_set_log_cb(conf.get(), &KafkaClient::on_log);
  if (on_delivery != nullptr) {
    client->delivery_ = on_delivery;
    rd_kafka_conf_set_dr_msg_cb(conf.get(), [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
      static_cast<KafkaClient*>(opaque)->delivery_(message);
    });
  }
  if (rebalance) rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaClient::on_rebalance);

  std::array<char, 512> reason{};
  rd_kafka_t* handle = rd_kafka_new(type, conf.get(), reason.data(), reason.size());
  if (handle == nullptr) {
    return Error::make(Errc::config,
                       fmt::format("kafka client: {}", redact_secrets(reason.data(), options.properties)));
  }
  conf.release();  // NOLINT(bugprone-unused-return-value): rd_kafka_new took it
  client->handle_ = handle;
  return client;
}

KafkaClient::~KafkaClient() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

void KafkaClient::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* client = static_cast<KafkaClient*>(opaque);
  std::string text = fmt::format("{} ({})", reason, rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)));
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> fatal{};
    const rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, fatal.data(), fatal.size());
    text = fmt::format("fatal: {} ({})", fatal.data(), rd_kafka_err2name(cause));
  }
  text = redact_secrets(std::move(text), client->options_.properties);
  if (is_broker_down(err)) {
    client->outage_->failed(text, "librdkafka reconnects by itself");
  } else if (uint64_t held = 0; client->log_lines_.allow(held)) {
    logging::warn("kafka", fmt::format("kafka client error: {}", text),
                  {{"error", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))}, {"held_back", held}});
  }
  std::lock_guard lock(client->error_mutex_);
  client->last_error_ = std::move(text);
}

void KafkaClient::note_success() { outage_->succeeded(); }

void KafkaClient::on_log(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  // Errors only: warnings are mostly transient states librdkafka retries by
  // itself (e.g. "coordinator load in progress" just after a broker start).
  if (level > 3) return;
  auto* client = static_cast<KafkaClient*>(rd_kafka_opaque(rk));
  std::string text = client != nullptr ? redact_secrets(message, client->options_.properties) : std::string(message);
  // While the brokers are down, librdkafka's connect failures are that outage's (logged once): debug only.
  if (client != nullptr && client->outage_->down()) {
    logging::debug("kafka", text, {{"facility", facility}});
    return;
  }
  uint64_t held = 0;
  if (client != nullptr && !client->log_lines_.allow(held)) return;
  logging::error("kafka", text, {{"facility", facility}, {"held_back", held}});
}

void KafkaClient::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                               void* opaque) {
  auto* client = static_cast<KafkaClient*>(opaque);
  if (client->rebalance_) {
    client->rebalance_(err, partitions);
    return;
  }
  // No handler (closing): take or give up the partitions as told.
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  rd_kafka_error_t* failure = nullptr;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative)
      failure = rd_kafka_incremental_assign(rk, partitions);
    else
      rd_kafka_assign(rk, partitions);
  } else {
    if (cooperative)
      failure = rd_kafka_incremental_unassign(rk, partitions);
    else
      rd_kafka_assign(rk, nullptr);
  }
  if (failure != nullptr) rd_kafka_error_destroy(failure);
}

std::string KafkaClient::last_error() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

Error KafkaClient::error(const std::string& what, rd_kafka_resp_err_t err) const {
  std::string message = fmt::format("kafka at {}: {}: {}", options_.brokers, what, rd_kafka_err2str(err));
  const std::string cause = last_error();
  // A timeout says little; the connection's own error says why.
  if (!cause.empty() && (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || is_authentication_error(err))) {
    message += fmt::format(" (last client error: {})", cause);
  }
  const bool login = is_authentication_error(err) || cause.find("SASL") != std::string::npos ||
                     cause.find("_AUTHENTICATION") != std::string::npos;
  return Error::make(Errc::unavailable, redact_secrets(std::move(message), options_.properties),
                     is_retriable_kafka_error(err) && !login);
}

Result<Metadata> KafkaClient::metadata(const char* topic_or_null) {
  rd_kafka_topic_t* topic = nullptr;
  if (topic_or_null != nullptr) topic = rd_kafka_topic_new(handle_, topic_or_null, nullptr);
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle_, topic == nullptr ? 1 : 0, topic, &raw, static_cast<int>(options_.request_timeout_ms));
  if (topic != nullptr) rd_kafka_topic_destroy(topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return error("metadata request failed", err);
  return Metadata(raw);
}

}  // namespace kascade
