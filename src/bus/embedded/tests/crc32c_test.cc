// bus/embedded/tests/crc32c_test.cc: CRC-32C against known vectors, hardware vs portable.
#include "bus/embedded/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace kascade {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0x00000000u);
  EXPECT_EQ(crc32c("a"), 0xC1D04330u);
  // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, of 0xff, ascending, descending.
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string up(32, '\0');
  std::string down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down), 0x113FDB5Cu);
}

TEST(Crc32c, PortableMatchesDispatchedOnAllLengthsAndAlignments) {
  std::mt19937 rng(7);
  std::string data(4096 + 16, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len : {0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4096}) {
      const char* p = data.data() + offset;
      ASSERT_EQ(crc32c(p, len), crc32c_extend_portable(0, p, len)) << offset << " " << len;
    }
  }
}

TEST(Crc32c, ExtendEqualsWhole) {
  const std::string a = "hello, ";
  const std::string b = "kascade";
  EXPECT_EQ(crc32c_extend(crc32c(a), b.data(), b.size()), crc32c(a + b));
  EXPECT_EQ(crc32c_extend_portable(crc32c_extend_portable(0, a.data(), a.size()), b.data(), b.size()), crc32c(a + b));
}

}  // namespace
}  // namespace kascade
