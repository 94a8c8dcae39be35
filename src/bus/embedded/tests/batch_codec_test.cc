// bus/embedded/tests/batch_codec_test.cc: record batches round-trip; damage is detected.
#include "bus/embedded/batch_codec.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace kascade {
namespace {

std::vector<const Record*> pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const auto& r : records) out.push_back(&r);
  return out;
}

BatchHeader header_for(const EncodedBatch& b, int64_t base) {
  return BatchHeader{b.partition, base, base + b.record_count - 1, b.record_count, b.max_timestamp_ms, b.codec};
}

std::vector<Record> sample_records() {
  std::vector<Record> records;
  records.push_back({"user-1", R"({"name":"Ada","city":"London"})", {}, 1700000000000});
  records.push_back({"", "", {}, 1700000000005});  // empty key and value
  records.push_back({"k",
                     "v",
                     {{"trace", "abc"}, {"", ""}, {"source", "randomuser"}},
                     1699999999000});  // earlier timestamp: negative delta
  records.push_back({std::string("bin\0key", 7), std::string("\0\xff\x80", 3), {}, -5});
  return records;
}

void expect_equal(const Record& want, const ConsumedRecord& got) {
  EXPECT_EQ(got.key, want.key);
  EXPECT_EQ(got.value, want.value);
  EXPECT_EQ(got.timestamp_ms, want.timestamp_ms);
  ASSERT_EQ(got.headers.size(), want.headers.size());
  for (size_t i = 0; i < want.headers.size(); ++i) {
    EXPECT_EQ(got.headers[i].name, want.headers[i].name);
    EXPECT_EQ(got.headers[i].value, want.headers[i].value);
  }
}

class BatchCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(BatchCodecTest, RoundTrip) {
  const auto records = sample_records();
  const auto ptrs = pointers(records);
  const EncodedBatch b = encode_batch(3, ptrs, GetParam());
  EXPECT_EQ(b.record_count, 4);
  EXPECT_EQ(b.max_timestamp_ms, 1700000000005);
  PolledBatch out;
  size_t taken = 0;
  ASSERT_TRUE(
      decode_batch(header_for(b, 100), batch_crc(b.payload_crc, header_for(b, 100)), b.payload, {}, out, &taken).ok());
  ASSERT_EQ(out.records.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(out.records[i].partition, 3);
    EXPECT_EQ(out.records[i].offset, 100 + static_cast<int64_t>(i));
    expect_equal(records[i], out.records[i]);
  }
  EXPECT_EQ(out.records[2].header("source"), "randomuser");
}

TEST_P(BatchCodecTest, TwoMebibyteValue) {
  std::mt19937 rng(1);
  Record big{"big", std::string(2 << 20, '\0'), {{"h", "v"}}, 42};
  for (char& c : big.value) c = static_cast<char>('a' + rng() % 8);  // compressible, not uniform
  std::vector<Record> records{big};
  const EncodedBatch b = encode_batch(0, pointers(records), GetParam());
  if (GetParam() == Compression::lz4) {
    EXPECT_EQ(b.codec, BatchCodec::lz4);
    EXPECT_LT(b.payload.size(), big.value.size());
  }
  PolledBatch out;
  size_t taken = 0;
  const BatchHeader h = header_for(b, 0);
  ASSERT_TRUE(decode_batch(h, batch_crc(b.payload_crc, h), b.payload, {}, out, &taken).ok());
  ASSERT_EQ(out.records.size(), 1u);
  expect_equal(big, out.records[0]);
}

TEST_P(BatchCodecTest, BudgetAndFromOffset) {
  const auto records = sample_records();
  const EncodedBatch b = encode_batch(0, pointers(records), GetParam());
  const BatchHeader h = header_for(b, 10);
  const uint32_t crc = batch_crc(b.payload_crc, h);
  PolledBatch out;
  size_t taken = 0;
  ASSERT_TRUE(decode_batch(h, crc, b.payload, {.from_offset = 11, .max_records = 2}, out, &taken).ok());
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].offset, 11);
  EXPECT_EQ(out.records[1].offset, 12);
  expect_equal(records[2], out.records[1]);
  // The first record of a poll always comes, even over the byte budget.
  PolledBatch small;
  ASSERT_TRUE(decode_batch(h, crc, b.payload, {.max_bytes = 1}, small, &taken).ok());
  EXPECT_EQ(small.records.size(), 1u);
}

TEST_P(BatchCodecTest, DetectsDamage) {
  const auto records = sample_records();
  const EncodedBatch b = encode_batch(0, pointers(records), GetParam());
  const BatchHeader h = header_for(b, 0);
  const uint32_t crc = batch_crc(b.payload_crc, h);
  for (size_t i = 0; i < b.payload.size(); ++i) {
    std::string damaged = b.payload;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
    PolledBatch out;
    size_t taken = 0;
    const Status s = decode_batch(h, crc, damaged, {}, out, &taken);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::corrupt);
    EXPECT_TRUE(out.records.empty());
  }
  // The header fields are covered too.
  BatchHeader moved = h;
  moved.base_offset = 1;
  moved.last_offset += 1;
  PolledBatch out;
  size_t taken = 0;
  EXPECT_EQ(decode_batch(moved, crc, b.payload, {}, out, &taken).error().code, Errc::corrupt);
}

INSTANTIATE_TEST_SUITE_P(Codecs, BatchCodecTest, ::testing::Values(Compression::none, Compression::lz4));

TEST(BatchCodec, IncompressibleDataIsStoredRaw) {
  std::mt19937 rng(3);
  Record r{"k", std::string(10000, '\0'), {}, 0};
  for (char& c : r.value) c = static_cast<char>(rng());
  std::vector<Record> records{r};
  EXPECT_EQ(encode_batch(0, pointers(records), Compression::lz4).codec, BatchCodec::none);
}

}  // namespace
}  // namespace kascade
