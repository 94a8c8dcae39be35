// Tests for bus/kafka/kafka_options.h: the properties passthrough never leaks a secret.
#include "bus/kafka/kafka_options.h"

#include <gtest/gtest.h>

#include "bus/kafka/kafka_client.h"

namespace kascade {
namespace {

TEST(KafkaProperties, ParsesKeyValueEntries) {
  auto parsed = parse_kafka_properties(" security.protocol=SASL_PLAINTEXT ; sasl.mechanisms=PLAIN;;sasl.password=a=b ");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0], (std::pair<std::string, std::string>{"security.protocol", "SASL_PLAINTEXT"}));
  EXPECT_EQ((*parsed)[2], (std::pair<std::string, std::string>{"sasl.password", "a=b"}));
}

TEST(KafkaProperties, RejectsAnEntryWithoutEqualsWithoutEchoingIt) {
  auto parsed = parse_kafka_properties("sasl.username=u;hunter2");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, Errc::config);
  EXPECT_EQ(parsed.error().message.find("hunter2"), std::string::npos) << parsed.error().message;
}

TEST(KafkaProperties, KnowsWhichKeysAreSecret) {
  EXPECT_TRUE(is_secret_property("sasl.password"));
  EXPECT_TRUE(is_secret_property("ssl.key.password"));
  EXPECT_TRUE(is_secret_property("sasl.oauthbearer.client.secret"));
  EXPECT_TRUE(is_secret_property("sasl.oauthbearer.token.endpoint.url"));
  EXPECT_TRUE(is_secret_property("SASL.JAAS.CONFIG"));
  EXPECT_FALSE(is_secret_property("sasl.username"));
  EXPECT_FALSE(is_secret_property("security.protocol"));
}

TEST(KafkaProperties, RedactsSecretValuesWherever) {
  const KafkaProperties properties = {{"sasl.username", "alice"}, {"sasl.password", "s3cr3t"}};
  EXPECT_EQ(redact_secrets("login alice:s3cr3t failed (s3cr3t)", properties),
            "login alice:[redacted] failed ([redacted])");
}

TEST(KafkaClient, AnInvalidSecretSettingIsReportedWithoutItsValue) {
  KafkaOptions options;
  // librdkafka knows no sasl.jaas.config (a Java client setting) and quotes
  // the value in its own message; kascade's message must not.
  options.properties = {{"sasl.jaas.config", "PlainLoginModule password=\"hunter2\""}};
  auto client = KafkaClient::open(RD_KAFKA_PRODUCER, options, {});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::config);
  EXPECT_NE(client.error().message.find("sasl.jaas.config"), std::string::npos);
  EXPECT_EQ(client.error().message.find("hunter2"), std::string::npos) << client.error().message;
}

TEST(KafkaClient, AnInvalidOrdinarySettingNamesKeyAndReason) {
  KafkaOptions options;
  options.properties = {{"compression.type", "brotli"}};
  auto client = KafkaClient::open(RD_KAFKA_PRODUCER, options, {});
  ASSERT_FALSE(client.ok());
  EXPECT_NE(client.error().message.find("compression.type"), std::string::npos) << client.error().message;
}

}  // namespace
}  // namespace kascade
