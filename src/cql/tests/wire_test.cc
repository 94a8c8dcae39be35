// cql/tests/wire_test.cc: frame headers and notations against golden bytes.
#include "cql/wire.h"

#include <gtest/gtest.h>

#include "cql/messages.h"
#include "cql/tests/hex.h"

namespace kascade::cql {
namespace {
using testing::hex;
using testing::unhex;

TEST(Wire, OptionsFrameIsABareHeader) { EXPECT_EQ(hex(options_frame(4)), "04 00 00 00 05 00 00 00 00"); }

TEST(Wire, StartupFrameCarriesTheCqlVersion) {
  const std::string expected =
      "04 00 00 00 01 00 00 00 2c 00 02"
      " 00 0b" +
      hex("CQL_VERSION") + " 00 05 " + hex("3.0.0") + " 00 0b " + hex("DRIVER_NAME") + " 00 07 " + hex("kascade");
  EXPECT_EQ(hex(startup_frame(4)), hex(unhex(expected)));
}

TEST(Wire, DecodesAResponseHeader) {
  const std::string bytes = unhex("84 08 00 07 08 00 00 01 00");
  FrameHeader h;
  ASSERT_TRUE(decode_header(reinterpret_cast<const uint8_t*>(bytes.data()), h));
  EXPECT_EQ(h.version, 4);
  EXPECT_TRUE(h.response);
  EXPECT_EQ(h.flags, frame_flag::warning);
  EXPECT_EQ(h.stream, 7);
  EXPECT_EQ(h.opcode, Opcode::result);
  EXPECT_EQ(h.length, 256u);
}

TEST(Wire, NegativeStreamIsAnEvent) {
  const std::string bytes = unhex("84 00 ff ff 0c 00 00 00 00");
  FrameHeader h;
  ASSERT_TRUE(decode_header(reinterpret_cast<const uint8_t*>(bytes.data()), h));
  EXPECT_EQ(h.stream, -1);
}

TEST(Wire, RejectsOversizedBodies) {
  const std::string bytes = unhex("84 00 00 01 08 10 00 00 01");
  FrameHeader h;
  EXPECT_FALSE(decode_header(reinterpret_cast<const uint8_t*>(bytes.data()), h));
}

TEST(Wire, PatchesTheStreamId) {
  std::string f = options_frame(4);
  patch_stream(f.data(), 0x1234);
  EXPECT_EQ(hex(f), "04 00 12 34 05 00 00 00 00");
}

TEST(Wire, WriterNotations) {
  std::string out;
  BodyWriter w(out);
  w.byte(0xAB);
  w.u16(0x0102);
  w.i32(-2);
  w.i64(1);
  w.string("hi");
  w.long_string("x");
  w.null_value();
  w.unset_value();
  EXPECT_EQ(hex(out),
            "ab 01 02 ff ff ff fe 00 00 00 00 00 00 00 01 00 02 68 69 00 00 00 01 78 ff ff ff ff "
            "ff ff ff fe");
}

TEST(Wire, ReaderStopsAtTheEnd) {
  const std::string bytes = unhex("00 05 61 62");  // a [string] claiming 5 bytes, holding 2
  BodyReader r(bytes);
  EXPECT_EQ(r.string(), "");
  EXPECT_TRUE(r.failed());
  EXPECT_EQ(r.i32(), 0);
}

TEST(Wire, ReaderNotations) {
  const std::string bytes = unhex("00 01 00 01 61 00 02 00 01 62 00 01 63 ff ff ff ff");
  BodyReader r(bytes);
  auto map = r.string_multimap();
  ASSERT_EQ(map.size(), 1u);
  EXPECT_EQ(map[0].first, "a");
  EXPECT_EQ(map[0].second, (std::vector<std::string>{"b", "c"}));
  bool null = false;
  r.bytes(null);
  EXPECT_TRUE(null);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.remaining(), 0u);
}

}  // namespace
}  // namespace kascade::cql
