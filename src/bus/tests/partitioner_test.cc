// bus/tests/partitioner_test.cc: murmur2 against Kafka's published vectors, and key placement.
#include "bus/partitioner.h"

#include <gtest/gtest.h>

#include <string>

namespace kascade {
namespace {

// The vectors of Kafka's UtilsTest.testMurmur2 (org.apache.kafka.common.utils).
TEST(Murmur2, MatchesKafkaVectors) {
  EXPECT_EQ(murmur2("21"), -973932308);
  EXPECT_EQ(murmur2("foobar"), -790332482);
  EXPECT_EQ(murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(murmur2("abc"), 479470107);
}

TEST(Murmur2, HandlesBytesAbove127) {
  // Java hashes signed bytes but masks them with 0xff; the result must not
  // depend on char signedness.
  const std::string key = "\xff\x80\x7f\x01\xfe";
  EXPECT_EQ(murmur2(key), murmur2(std::string_view(key)));
  EXPECT_NE(murmur2(key), murmur2("\x7f\x80\x7f\x01\xfe"));
}

TEST(PartitionForKey, IsDeterministicAndInRange) {
  for (int32_t partitions : {1, 3, 4, 7, 12}) {
    for (int i = 0; i < 1000; ++i) {
      const std::string key = "user-" + std::to_string(i);
      const int32_t p = partition_for_key(key, partitions);
      ASSERT_GE(p, 0);
      ASSERT_LT(p, partitions);
      ASSERT_EQ(p, partition_for_key(key, partitions));
    }
  }
}

TEST(PartitionForKey, FollowsKafkasFormula) {
  // "21" hashes to -973932308: (-973932308 & 0x7fffffff) = 1173551340.
  EXPECT_EQ(partition_for_key("21", 4), static_cast<int32_t>(1173551340u % 4));
  EXPECT_EQ(partition_for_key("21", 7), static_cast<int32_t>(1173551340u % 7));
  // "abc" is positive already.
  EXPECT_EQ(partition_for_key("abc", 10), 479470107 % 10);
}

TEST(PartitionForKey, SpreadsKeys) {
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4000; ++i) ++counts[partition_for_key("k" + std::to_string(i), 4)];
  for (int c : counts) EXPECT_GT(c, 800);
}

}  // namespace
}  // namespace kascade
