// cql/tests/murmur3_test.cc: tokens as Cassandra computes them. The expected
// values come from the Python cassandra-driver's murmur3(), an independent
// implementation of the same partitioner hash.
#include <gtest/gtest.h>

#include "cql/binding.h"
#include "cql/tests/hex.h"

namespace kascade::cql {
namespace {
using testing::unhex;

TEST(Murmur3, MatchesCassandraTokens) {
  EXPECT_EQ(murmur3_token(""), 0);
  EXPECT_EQ(murmur3_token("a"), -8839064797231613815LL);
  EXPECT_EQ(murmur3_token("hello"), -3758069500696749310LL);
  EXPECT_EQ(murmur3_token("0123456789abcdef"), 5467490433528156583LL);  // one whole block
}

TEST(Murmur3, SignExtendsTailBytesLikeJava) {
  EXPECT_EQ(murmur3_token(unhex("fffe8081906162636465666768696af0f1f2")), 5952386748824076159LL);
  EXPECT_EQ(murmur3_token(unhex("c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6")),
            4398332801500074197LL);
}

}  // namespace
}  // namespace kascade::cql
