// Tests for cql::parse_hosts: contact points "h1,h2:9043", an empty entry or a bad port refused.
#include <gtest/gtest.h>

#include "cql/session.h"

namespace kascade::cql {
namespace {

TEST(Hosts, SplitsContactPoints) {
  auto hosts = parse_hosts(" 127.0.0.1 , node2:9043");
  ASSERT_TRUE(hosts.ok()) << hosts.error().message;
  EXPECT_EQ(*hosts, (std::vector<std::string>{"127.0.0.1", "node2:9043"}));
}

TEST(Hosts, RefusesEmptyEntriesAndBadPorts) {
  EXPECT_EQ(parse_hosts("a,,b").error().message, "empty host in 'a,,b'");
  EXPECT_EQ(parse_hosts(":9042").error().message, "empty host in ':9042'");
  EXPECT_EQ(parse_hosts("a:90x42").error().message, "bad port in 'a:90x42' (expected 1..65535)");
  EXPECT_EQ(parse_hosts("a:0").error().code, Errc::config);
  EXPECT_FALSE(parse_hosts("a:65536").ok());
  EXPECT_FALSE(parse_hosts("a:").ok());
}

}  // namespace
}  // namespace kascade::cql
