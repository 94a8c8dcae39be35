// cql/wire.cc: frame headers and the protocol's notations.
#include "cql/wire.h"

namespace kascade::cql {

bool decode_header(const uint8_t* b, FrameHeader& h) {
  h.version = b[0] & 0x7F;
  h.response = (b[0] & kResponseDirection) != 0;
  h.flags = b[1];
  h.stream = static_cast<int16_t>((b[2] << 8) | b[3]);
  h.opcode = static_cast<Opcode>(b[4]);
  h.length = (uint32_t{b[5]} << 24) | (uint32_t{b[6]} << 16) | (uint32_t{b[7]} << 8) | uint32_t{b[8]};
  return h.length <= kMaxBodyBytes;
}

void begin_frame(std::string& out, uint8_t version, Opcode opcode, uint8_t flags) {
  const char header[kHeaderBytes] = {
      static_cast<char>(version), static_cast<char>(flags), 0, 0, static_cast<char>(opcode), 0, 0, 0, 0};
  out.append(header, kHeaderBytes);
}

void finish_frame(std::string& out, size_t frame_start) {
  const uint32_t n = static_cast<uint32_t>(out.size() - frame_start - kHeaderBytes);
  for (int i = 0; i < 4; ++i) out[frame_start + 5 + i] = static_cast<char>(n >> (24 - 8 * i));
}

void BodyWriter::string_list(const std::vector<std::string>& items) {
  u16(static_cast<uint16_t>(items.size()));
  for (const auto& item : items) string(item);
}

void BodyWriter::string_map(const std::vector<std::pair<std::string, std::string>>& items) {
  u16(static_cast<uint16_t>(items.size()));
  for (const auto& [key, value] : items) {
    string(key);
    string(value);
  }
}

uint8_t BodyReader::byte() {
  auto b = raw(1);
  return b.empty() ? 0 : static_cast<uint8_t>(b[0]);
}

uint16_t BodyReader::u16() {
  auto b = raw(2);
  if (b.size() < 2) return 0;
  return static_cast<uint16_t>((static_cast<uint8_t>(b[0]) << 8) | static_cast<uint8_t>(b[1]));
}

int32_t BodyReader::i32() {
  auto b = raw(4);
  if (b.size() < 4) return 0;
  uint32_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return static_cast<int32_t>(v);
}

int64_t BodyReader::i64() {
  auto b = raw(8);
  if (b.size() < 8) return 0;
  uint64_t v = 0;
  for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(v);
}

std::string_view BodyReader::raw(size_t n) {
  if (failed_ || n > remaining()) {
    failed_ = true;
    return {};
  }
  std::string_view out(p_, n);
  p_ += n;
  return out;
}

std::string_view BodyReader::string() { return raw(u16()); }

std::string_view BodyReader::long_string() {
  const int32_t n = i32();
  if (n < 0) {
    failed_ = true;
    return {};
  }
  return raw(static_cast<size_t>(n));
}

std::string_view BodyReader::bytes(bool& is_null) {
  const int32_t n = i32();
  is_null = n < 0;
  if (is_null) return {};
  return raw(static_cast<size_t>(n));
}

std::vector<std::string> BodyReader::string_list() {
  std::vector<std::string> out;
  const uint16_t n = u16();
  for (uint16_t i = 0; i < n && !failed_; ++i) out.emplace_back(string());
  return out;
}

std::vector<std::pair<std::string, std::string>> BodyReader::string_map() {
  std::vector<std::pair<std::string, std::string>> out;
  const uint16_t n = u16();
  for (uint16_t i = 0; i < n && !failed_; ++i) {
    std::string key(string());
    out.emplace_back(std::move(key), std::string(string()));
  }
  return out;
}

std::vector<std::pair<std::string, std::vector<std::string>>> BodyReader::string_multimap() {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  const uint16_t n = u16();
  for (uint16_t i = 0; i < n && !failed_; ++i) {
    std::string key(string());
    out.emplace_back(std::move(key), string_list());
  }
  return out;
}

}  // namespace kascade::cql
