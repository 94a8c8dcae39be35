// bus/embedded/batch_codec.cc: the stored format of a record batch.
//
// Raw payload: zigzag varint first_timestamp_ms, then per record:
//   varint offset_delta, zigzag varint (timestamp_ms - first_timestamp_ms),
//   varint key_len, key, varint value_len, value,
//   varint header_count, then per header varint name_len, name, varint value_len, value.
// Stored payload: the raw payload (codec none), or varint raw_len followed by
// one LZ4 block (codec lz4).
#include "bus/embedded/batch_codec.h"

#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "bus/embedded/crc32c.h"

namespace kascade {
namespace {

constexpr size_t kMaxVarint = 10;

inline char* put_varint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

inline char* put_bytes(char* p, std::string_view s) {
  p = put_varint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// A bounds-checked reader over untrusted bytes.
class Reader {
 public:
  Reader(const char* p, const char* end) : p_(p), end_(end) {}
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const auto byte = static_cast<unsigned char>(*p_++);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  }
  bool bytes(std::string_view& s) {
    uint64_t n;
    if (!varint(n) || n > static_cast<uint64_t>(end_ - p_)) return false;
    s = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool at_end() const { return p_ == end_; }
  const char* position() const { return p_; }

 private:
  const char* p_;
  const char* end_;
};

Error corrupt(const BatchHeader& h, const char* what) {
  return Error::make(Errc::corrupt, "record batch of partition " + std::to_string(h.partition) + " at offset " +
                                        std::to_string(h.base_offset) + ": " + what);
}

void put_le(char*& p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) *p++ = static_cast<char>(v >> (8 * i));
}

}  // namespace

size_t record_size(const Record& record) {
  size_t n = record.key.size() + record.value.size();
  for (const auto& h : record.headers) n += h.name.size() + h.value.size();
  return n;
}

EncodedBatch encode_batch(int32_t partition, std::span<const Record* const> records, Compression compression,
                          int lz4_acceleration) {
  EncodedBatch batch;
  batch.partition = partition;
  batch.record_count = static_cast<int32_t>(records.size());

  size_t bound = kMaxVarint;
  for (const Record* r : records) {
    bound += record_size(*r) + 5 * kMaxVarint + 2 * kMaxVarint * r->headers.size();
  }
  const int64_t first_ts = records.empty() ? 0 : records.front()->timestamp_ms;
  int64_t max_ts = first_ts;

  // Scratch space reused by this thread: no zero-filling or page faults per batch.
  thread_local std::string raw;
  thread_local std::string packed;
  if (raw.size() < bound) raw.resize(bound);
  char* p = raw.data();
  p = put_varint(p, zigzag(first_ts));
  uint64_t delta = 0;
  for (const Record* r : records) {
    max_ts = std::max(max_ts, r->timestamp_ms);
    p = put_varint(p, delta++);
    p = put_varint(p, zigzag(r->timestamp_ms - first_ts));
    p = put_bytes(p, r->key);
    p = put_bytes(p, r->value);
    p = put_varint(p, r->headers.size());
    for (const auto& h : r->headers) {
      p = put_bytes(p, h.name);
      p = put_bytes(p, h.value);
    }
  }
  const size_t raw_size = static_cast<size_t>(p - raw.data());
  batch.max_timestamp_ms = max_ts;
  batch.raw_bytes = raw_size;

  if (compression == Compression::lz4 && raw_size >= 64 && raw_size <= LZ4_MAX_INPUT_SIZE) {
    const int src_size = static_cast<int>(raw_size);
    const size_t room = kMaxVarint + static_cast<size_t>(LZ4_compressBound(src_size));
    if (packed.size() < room) packed.resize(room);
    char* q = put_varint(packed.data(), raw_size);
    const size_t prefix = static_cast<size_t>(q - packed.data());
    const int n = LZ4_compress_fast(raw.data(), q, src_size, static_cast<int>(room - prefix), lz4_acceleration);
    const size_t total = prefix + static_cast<size_t>(n);
    // Keep the compressed form only when it saves at least 1/16.
    if (n > 0 && total < raw_size - raw_size / 16) {
      batch.payload.assign(packed.data(), total);
      batch.codec = BatchCodec::lz4;
    }
  }
  if (batch.codec == BatchCodec::none) batch.payload.assign(raw.data(), raw_size);
  // Give memory back after an unusually big batch (one huge record).
  constexpr size_t kKeep = 8u << 20;
  if (raw.size() > kKeep) std::string().swap(raw);
  if (packed.size() > kKeep) std::string().swap(packed);
  batch.payload_crc = crc32c(batch.payload);
  return batch;
}

uint32_t batch_crc(uint32_t payload_crc, const BatchHeader& h) {
  char buf[4 + 8 + 8 + 4 + 8 + 4];
  char* p = buf;
  put_le(p, static_cast<uint32_t>(h.partition), 4);
  put_le(p, static_cast<uint64_t>(h.base_offset), 8);
  put_le(p, static_cast<uint64_t>(h.last_offset), 8);
  put_le(p, static_cast<uint32_t>(h.record_count), 4);
  put_le(p, static_cast<uint64_t>(h.max_timestamp_ms), 8);
  put_le(p, static_cast<uint32_t>(h.codec), 4);
  return crc32c_extend(payload_crc, buf, sizeof(buf));
}

Status decode_batch(const BatchHeader& h, uint32_t stored_crc, std::string_view payload, const DecodeBudget& budget,
                    PolledBatch& out, size_t* taken_bytes) {
  *taken_bytes = 0;
  if (batch_crc(crc32c(payload), h) != stored_crc) return corrupt(h, "CRC32C mismatch");
  if (h.record_count <= 0 || h.last_offset - h.base_offset + 1 != h.record_count) {
    return corrupt(h, "inconsistent offsets");
  }

  // The raw payload, owned by out.buffers.
  const size_t buffers_before = out.buffers.size();
  if (h.codec == BatchCodec::none) {
    out.buffers.emplace_back(payload);
  } else if (h.codec == BatchCodec::lz4) {
    Reader r(payload.data(), payload.data() + payload.size());
    uint64_t raw_size;
    if (!r.varint(raw_size) || raw_size > LZ4_MAX_INPUT_SIZE) return corrupt(h, "bad LZ4 size");
    std::string& raw = out.buffers.emplace_back(raw_size, '\0');
    const int src = static_cast<int>(payload.data() + payload.size() - r.position());
    const int n = LZ4_decompress_safe(r.position(), raw.data(), src, static_cast<int>(raw_size));
    if (n < 0 || static_cast<uint64_t>(n) != raw_size) {
      out.buffers.pop_back();
      return corrupt(h, "LZ4 block does not decode");
    }
  } else {
    return corrupt(h, "unknown codec");
  }
  const std::string& raw = out.buffers.back();

  const size_t records_before = out.records.size();
  auto fail = [&](const char* what) {
    out.records.resize(records_before);
    out.buffers.resize(buffers_before);
    *taken_bytes = 0;
    return Status(corrupt(h, what));
  };

  struct HeaderRange {
    size_t record;
    size_t first;
    size_t count;
  };
  std::vector<HeaderView> headers;
  std::vector<HeaderRange> ranges;

  Reader r(raw.data(), raw.data() + raw.size());
  uint64_t v;
  if (!r.varint(v)) return fail("truncated");
  const int64_t first_ts = unzigzag(v);
  size_t taken = 0;
  size_t emitted = 0;
  for (int32_t i = 0; i < h.record_count; ++i) {
    uint64_t delta;
    uint64_t ts;
    ConsumedRecord rec;
    uint64_t header_count;
    if (!r.varint(delta) || delta != static_cast<uint64_t>(i) || !r.varint(ts) || !r.bytes(rec.key) ||
        !r.bytes(rec.value) || !r.varint(header_count)) {
      return fail("bad record framing");
    }
    const size_t first_header = headers.size();
    for (uint64_t k = 0; k < header_count; ++k) {
      HeaderView hv;
      if (!r.bytes(hv.name) || !r.bytes(hv.value)) return fail("bad header framing");
      headers.push_back(hv);
    }
    const int64_t offset = h.base_offset + i;
    if (offset < budget.from_offset) continue;
    const size_t size = rec.key.size() + rec.value.size();
    if (emitted == budget.max_records) break;
    // The first record of a poll always fits; later ones must fit the budget.
    if (!out.records.empty() && taken + size > budget.max_bytes) break;
    rec.partition = h.partition;
    rec.offset = offset;
    rec.timestamp_ms = first_ts + unzigzag(ts);
    if (header_count > 0) ranges.push_back({out.records.size(), first_header, header_count});
    out.records.push_back(rec);
    taken += size;
    ++emitted;
  }
  if (emitted == 0) out.buffers.resize(buffers_before);
  if (!ranges.empty()) {
    const auto& block = out.header_blocks.emplace_back(std::move(headers));
    for (const auto& range : ranges) {
      out.records[range.record].headers = std::span<const HeaderView>(block.data() + range.first, range.count);
    }
  }
  *taken_bytes = taken;
  return ok_status();
}

}  // namespace kascade
