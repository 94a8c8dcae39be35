// bus/embedded/batch_codec.h: record batches <-> stored payload bytes (varint framing, LZ4, CRC32C).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bus/bus.h"
#include "bus/embedded/log_options.h"
#include "core/record.h"
#include "core/result.h"

namespace kascade {

// How a stored payload is encoded. The numbers are on disk: never renumber.
enum class BatchCodec : int32_t { none = 0, lz4 = 1 };

// The fields of a stored batch row that the CRC protects besides the payload.
struct BatchHeader {
  int32_t partition = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int32_t record_count = 0;
  int64_t max_timestamp_ms = 0;
  BatchCodec codec = BatchCodec::none;
};

// A batch ready to store, before its offsets are known.
struct EncodedBatch {
  int32_t partition = 0;
  int32_t record_count = 0;
  int64_t max_timestamp_ms = 0;
  BatchCodec codec = BatchCodec::none;
  std::string payload;       // as stored
  uint32_t payload_crc = 0;  // crc32c(payload)
  size_t raw_bytes = 0;      // size before compression
};

// Upper bound of a record's encoded size, used for batch splitting and limits.
size_t record_size(const Record& record);

// Frames records (offset deltas 0..n-1) and compresses them when that helps
// (LZ4 block format; a higher acceleration is faster and compresses less).
EncodedBatch encode_batch(int32_t partition, std::span<const Record* const> records, Compression compression,
                          int lz4_acceleration = 1);

// The stored checksum: crc32c over the payload, then over the header fields.
uint32_t batch_crc(uint32_t payload_crc, const BatchHeader& header);

// Limits for one decode call.
struct DecodeBudget {
  int64_t from_offset = 0;  // records below it are skipped
  size_t max_records = SIZE_MAX;
  size_t max_bytes = SIZE_MAX;  // key + value bytes; the first record always fits
};

// Verifies `stored_crc`, decompresses into out.buffers and appends the
// records at or above budget.from_offset to out.records, within the budget.
// Returns Errc::corrupt (and appends nothing) if anything fails to check.
// *taken_bytes receives the key + value bytes appended.
Status decode_batch(const BatchHeader& header, uint32_t stored_crc, std::string_view payload,
                    const DecodeBudget& budget, PolledBatch& out, size_t* taken_bytes);

}  // namespace kascade
