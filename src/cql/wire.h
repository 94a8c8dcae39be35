// cql/wire.h: the byte-level vocabulary of the CQL native protocol (v3/v4):
// frame headers, opcodes, and bounds-checked writers and readers of the
// protocol's notations ([short], [string], [bytes], [string map], ...).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kascade::cql {

inline constexpr size_t kHeaderBytes = 9;
// The protocol allows 256 MB bodies; a larger length means a corrupt stream.
inline constexpr uint32_t kMaxBodyBytes = 256u << 20;

enum class Opcode : uint8_t {
  error = 0x00,
  startup = 0x01,
  ready = 0x02,
  authenticate = 0x03,
  options = 0x05,
  supported = 0x06,
  query = 0x07,
  result = 0x08,
  prepare = 0x09,
  execute = 0x0A,
  register_events = 0x0B,
  event = 0x0C,
  batch = 0x0D,
  auth_challenge = 0x0E,
  auth_response = 0x0F,
  auth_success = 0x10,
};

// The <flags> byte of a QUERY or EXECUTE (protocol spec, section 4.1.4).
namespace query_flag {
inline constexpr uint8_t values = 0x01;
inline constexpr uint8_t page_size = 0x04;
inline constexpr uint8_t paging_state = 0x08;
inline constexpr uint8_t serial_consistency = 0x10;
}  // namespace query_flag

namespace frame_flag {
inline constexpr uint8_t compression = 0x01;
inline constexpr uint8_t tracing = 0x02;
inline constexpr uint8_t custom_payload = 0x04;
inline constexpr uint8_t warning = 0x08;
}  // namespace frame_flag

inline constexpr uint8_t kResponseDirection = 0x80;  // high bit of the version byte

struct FrameHeader {
  uint8_t version = 4;  // without the direction bit
  bool response = false;
  uint8_t flags = 0;
  int16_t stream = 0;
  Opcode opcode = Opcode::error;
  uint32_t length = 0;
};

// Decodes the 9 header bytes. False if the length is beyond kMaxBodyBytes.
bool decode_header(const uint8_t* bytes, FrameHeader& header);

// The stream id sits at bytes 2-3 of a request: patched when the frame is sent.
inline void patch_stream(char* frame, int16_t stream) {
  frame[2] = static_cast<char>((static_cast<uint16_t>(stream) >> 8) & 0xFF);
  frame[3] = static_cast<char>(static_cast<uint16_t>(stream) & 0xFF);
}

// Appends big-endian protocol notations to a string (the frame being built).
class BodyWriter {
 public:
  explicit BodyWriter(std::string& out) : out_(out) {}

  void byte(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out_.append(b, 2);
  }
  void i32(int32_t v) { be(static_cast<uint32_t>(v), 4); }
  void i64(int64_t v) { be(static_cast<uint64_t>(v), 8); }
  void raw(std::string_view bytes) { out_.append(bytes); }
  void string(std::string_view s) {
    u16(static_cast<uint16_t>(s.size()));
    out_.append(s);
  }
  void long_string(std::string_view s) {
    i32(static_cast<int32_t>(s.size()));
    out_.append(s);
  }
  void short_bytes(std::string_view s) { string(s); }
  void bytes(std::string_view s) { long_string(s); }
  void null_value() { i32(-1); }
  void unset_value() { i32(-2); }  // v4+: leaves the column untouched (no tombstone)
  void string_list(const std::vector<std::string>& items);
  void string_map(const std::vector<std::pair<std::string, std::string>>& items);

  // Reserves a [int] length to be filled in by end_length(start) once the value is written.
  size_t begin_length() {
    const size_t at = out_.size();
    i32(0);
    return at;
  }
  void end_length(size_t at) {
    const uint32_t n = static_cast<uint32_t>(out_.size() - at - 4);
    for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<char>(n >> (24 - 8 * i));
  }

  std::string& out() { return out_; }

 private:
  void be(uint64_t v, int n) {
    char b[8];
    for (int i = 0; i < n; ++i) b[i] = static_cast<char>(v >> (8 * (n - 1 - i)));
    out_.append(b, static_cast<size_t>(n));
  }
  std::string& out_;
};

// Starts a request frame in `out` (header with stream 0 and length 0);
// finish_frame() writes the body length once the body is appended.
void begin_frame(std::string& out, uint8_t version, Opcode opcode, uint8_t flags = 0);
void finish_frame(std::string& out, size_t frame_start = 0);

// Reads notations from a received body. Reading past the end sets failed()
// and yields empty values, so a decoder reads on and checks once at the end.
class BodyReader {
 public:
  BodyReader(const char* data, size_t size) : p_(data), end_(data + size) {}
  explicit BodyReader(std::string_view body) : BodyReader(body.data(), body.size()) {}

  bool failed() const { return failed_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  void fail() { failed_ = true; }

  uint8_t byte();
  uint16_t u16();
  int32_t i32();
  int64_t i64();
  std::string_view raw(size_t n);
  std::string_view string();
  std::string_view long_string();
  std::string_view short_bytes() { return string(); }
  // [bytes]: nullopt-like: sets is_null for a negative length.
  std::string_view bytes(bool& is_null);
  std::vector<std::string> string_list();
  std::vector<std::pair<std::string, std::string>> string_map();
  std::vector<std::pair<std::string, std::vector<std::string>>> string_multimap();

 private:
  const char* p_;
  const char* end_;
  bool failed_ = false;
};

}  // namespace kascade::cql
