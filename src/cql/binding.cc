// cql/binding.cc: typed cells into CQL bytes, EXECUTE and BATCH frames, routing tokens (Murmur3).
#include "cql/binding.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace kascade::cql {
namespace {

// Partition keys of more components than this are not routed (round robin instead).
constexpr size_t kMaxKeyComponents = 8;

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::integer:
      return "an integer";
    case Value::Kind::real:
      return "a real";
    case Value::Kind::text:
      return "a text";
    case Value::Kind::null:
      break;
  }
  return "a null";
}

bool is_text_type(TypeId id) { return id == TypeId::varchar || id == TypeId::ascii; }

// The integer types, timestamp, date (days since epoch, signed) and time; false for a value out of range.
bool encode_integer(TypeId type, int64_t n, BodyWriter& out) {
  const int width = fixed_width(type);
  if (width == 0) return false;
  if (type == TypeId::date) n += kDateEpochOffset;
  if (width < 8 && type != TypeId::date) {
    const int64_t limit = int64_t{1} << (8 * width - 1);
    if (n < -limit || n >= limit) return false;
  }
  out.i32(width);
  switch (width) {
    case 1:
      out.byte(static_cast<uint8_t>(n));
      break;
    case 2:
      out.u16(static_cast<uint16_t>(n));
      break;
    case 4:
      out.i32(static_cast<int32_t>(static_cast<uint32_t>(n)));
      break;
    default:
      out.i64(n);
  }
  return true;
}

// Where each partition-key component's value sits in the frame (-1: null or unset).
struct KeySpans {
  std::array<std::pair<size_t, int64_t>, kMaxKeyComponents> at{};
};

// The cells most rows are made of, encoded in place (text into a text or blob
// column, an integer into a bigint or timestamp, a real into a double); false:
// encode_cell's general path (every other type, conversions and errors).
inline bool encode_common_cell(TypeId type, const Cell& cell, BodyWriter& w) {
  switch (cell.kind) {
    case Value::Kind::text:
      if (type != TypeId::varchar && type != TypeId::ascii && type != TypeId::blob) return false;
      w.bytes(cell.text);
      return true;
    case Value::Kind::integer:
      if (type != TypeId::bigint && type != TypeId::timestamp) return false;
      w.i32(8);
      w.i64(cell.integer);
      return true;
    case Value::Kind::real:
      if (type != TypeId::double_) return false;
      w.i32(8);
      w.i64(std::bit_cast<int64_t>(cell.real));
      return true;
    case Value::Kind::null:
      break;
  }
  return false;
}

// Appends the values of `values` to `w` (bound to `meta`'s markers), noting the key components' spans.
Status write_values(const Prepared& meta, const BoundValues& values, BodyWriter& w, KeySpans& keys) {
  const size_t n = values.size();
  if (n != meta.bind_columns.size()) {
    return Error::make(Errc::internal,
                       fmt::format("{} values bound to a statement of {} markers", n, meta.bind_columns.size()));
  }
  // Which markers are partition-key components: a mask for the first 64, looked up per marker.
  const auto& pk = meta.partition_key_indexes;
  const size_t key_count = std::min(pk.size(), kMaxKeyComponents);
  uint64_t key_mask = 0;
  bool key_beyond_mask = false;
  for (size_t k = 0; k < key_count; ++k) {
    if (pk[k] < 64) {
      key_mask |= uint64_t{1} << pk[k];
    } else {
      key_beyond_mask = true;
    }
  }
  const auto key_component = [&](size_t i) {
    if (i < 64 ? ((key_mask >> i) & 1) == 0 : !key_beyond_mask) return -1;
    for (size_t k = 0; k < key_count; ++k)
      if (pk[k] == i) return static_cast<int>(k);
    return -1;
  };
  std::string& out = w.out();
  for (size_t i = 0; i < n; ++i) {
    const ColumnSpec& column = meta.bind_columns[i];
    Cell cell = values.at(i);
    const int key = key_component(i);
    if (cell.kind == Value::Kind::null) {
      if (key >= 0 && values.empty_text_keys() && is_text_type(column.type.id)) {
        cell = Cell::of_text({});
      } else {
        if (values.nulls() == NullAs::unset) {
          w.unset_value();
        } else {
          w.null_value();
        }
        if (key >= 0) keys.at[static_cast<size_t>(key)] = {0, -1};
        continue;
      }
    }
    const size_t start = out.size() + 4;  // the value's bytes, after its [int] length
    if (!encode_common_cell(column.type.id, cell, w)) {
      if (auto status = encode_cell(column.type, cell, column.name, w); !status) return status;
    }
    if (key >= 0) keys.at[static_cast<size_t>(key)] = {start, static_cast<int64_t>(out.size() - start)};
  }
  return ok_status();
}

std::optional<int64_t> token_of(const Prepared& meta, const KeySpans& keys, std::string_view frame) {
  const size_t count = meta.partition_key_indexes.size();
  if (count == 0 || count > kMaxKeyComponents) return std::nullopt;
  std::array<std::string_view, kMaxKeyComponents> parts;
  for (size_t k = 0; k < count; ++k) {
    const auto [at, size] = keys.at[k];
    if (size < 0) return std::nullopt;  // a null key: Cassandra refuses the statement anyway
    parts[k] = frame.substr(at, static_cast<size_t>(size));
  }
  return routing_token(std::span<const std::string_view>(parts.data(), count));
}

}  // namespace

Status encode_cell(const TypeSpec& type, const Cell& cell, std::string_view column, BodyWriter& out) {
  auto mismatch = [&] {
    return Error::make(Errc::invalid_argument, fmt::format("column {}: {} value does not fit type {}", column,
                                                           kind_name(cell.kind), type.name()));
  };
  if (cell.kind == Value::Kind::null) {
    out.null_value();
    return ok_status();
  }
  switch (type.id) {
    case TypeId::varchar:
    case TypeId::ascii:
    case TypeId::blob:
      // A number in a text column (no mapping produces one) is sent as empty text.
      out.bytes(cell.kind == Value::Kind::text ? cell.text : std::string_view());
      return ok_status();
    case TypeId::double_:
      if (cell.kind == Value::Kind::text) return mismatch();
      out.i32(8);
      out.i64(std::bit_cast<int64_t>(cell.kind == Value::Kind::real ? cell.real : static_cast<double>(cell.integer)));
      return ok_status();
    case TypeId::float_: {
      if (cell.kind == Value::Kind::text) return mismatch();
      const float f =
          static_cast<float>(cell.kind == Value::Kind::real ? cell.real : static_cast<double>(cell.integer));
      out.i32(4);
      out.i32(std::bit_cast<int32_t>(f));
      return ok_status();
    }
    case TypeId::boolean:
      if (cell.kind != Value::Kind::integer) return mismatch();
      out.i32(1);
      out.byte(cell.integer != 0 ? 1 : 0);
      return ok_status();
    case TypeId::uuid:
    case TypeId::timeuuid: {
      if (cell.kind != Value::Kind::text) return mismatch();
      out.i32(16);
      std::string& bytes = out.out();
      bytes.resize(bytes.size() + 16);
      if (!uuid_text_to_bytes(cell.text, bytes.data() + bytes.size() - 16)) {
        bytes.resize(bytes.size() - 20);
        return Error::make(Errc::invalid_argument, fmt::format("column {}: not a uuid", column));
      }
      return ok_status();
    }
    default:
      break;
  }
  if (cell.kind == Value::Kind::text) return mismatch();
  const int64_t n = cell.kind == Value::Kind::real ? static_cast<int64_t>(cell.real) : cell.integer;
  if (!encode_integer(type.id, n, out)) return mismatch();
  return ok_status();
}

// The project's type names are CQL's (core/row.h).
const char* cql_type_name(ColumnType type) { return column_type_name(type); }

// Cassandra's variant of MurmurHash3_x64_128.
namespace {

constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

uint64_t fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

uint64_t little_endian_block(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A tail byte as Java reads it: signed, then widened to a long.
uint64_t signed_byte(unsigned char b) { return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(b))); }

}  // namespace

int64_t murmur3_token(std::string_view key) {
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const size_t length = key.size();
  const size_t blocks = length / 16;
  uint64_t h1 = 0, h2 = 0;

  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = little_endian_block(data + i * 16);
    uint64_t k2 = little_endian_block(data + i * 16 + 8);
    k1 *= kC1;
    k1 = rotl(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
    h1 = rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    k2 *= kC2;
    k2 = rotl(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
    h2 = rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }

  const unsigned char* tail = data + blocks * 16;
  const size_t rest = length & 15;
  uint64_t k1 = 0, k2 = 0;
  for (size_t i = rest; i > 8; --i) k2 ^= signed_byte(tail[i - 1]) << (8 * (i - 9));
  if (rest > 8) {
    k2 *= kC2;
    k2 = rotl(k2, 33);
    k2 *= kC1;
    h2 ^= k2;
  }
  for (size_t i = rest < 8 ? rest : 8; i > 0; --i) k1 ^= signed_byte(tail[i - 1]) << (8 * (i - 1));
  if (rest > 0) {
    k1 *= kC1;
    k1 = rotl(k1, 31);
    k1 *= kC2;
    h1 ^= k1;
  }

  h1 ^= length;
  h2 ^= length;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;

  const auto token = static_cast<int64_t>(h1);
  return token == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : token;
}

int64_t routing_token(std::span<const std::string_view> components) {
  if (components.size() == 1) return murmur3_token(components[0]);
  thread_local std::string key;
  key.clear();
  for (auto c : components) {
    key.push_back(static_cast<char>((c.size() >> 8) & 0xFF));
    key.push_back(static_cast<char>(c.size() & 0xFF));
    key.append(c);
    key.push_back('\0');
  }
  return murmur3_token(key);
}

Result<std::optional<int64_t>> bind_execute(const PreparedStatement& statement, const BoundValues& values,
                                            const ExecuteOptions& options, std::string& frame) {
  frame.clear();
  begin_frame(frame, statement.version, Opcode::execute);
  BodyWriter w(frame);
  w.short_bytes(statement.meta.id);
  w.u16(static_cast<uint16_t>(options.consistency));
  uint8_t flags = values.size() > 0 ? query_flag::values : 0;
  if (options.page_size > 0) flags |= query_flag::page_size;
  if (!options.paging_state.empty()) flags |= query_flag::paging_state;
  if (options.serial_consistency) flags |= query_flag::serial_consistency;
  w.byte(flags);
  KeySpans keys;
  if (values.size() > 0) {
    w.u16(static_cast<uint16_t>(values.size()));
    if (auto status = write_values(statement.meta, values, w, keys); !status) return status.error();
  }
  if (options.page_size > 0) w.i32(options.page_size);
  if (!options.paging_state.empty()) w.bytes(options.paging_state);
  if (options.serial_consistency) w.u16(static_cast<uint16_t>(*options.serial_consistency));
  finish_frame(frame);
  return token_of(statement.meta, keys, frame);
}

Status Batch::add(std::shared_ptr<const PreparedStatement> statement, const BoundValues& values) {
  if (statements_.size() >= UINT16_MAX) {
    return Error::make(Errc::too_large, fmt::format("a CQL batch holds at most {} statements", UINT16_MAX));
  }
  const size_t before = body_.size();
  BodyWriter w(body_);
  w.byte(1);  // a prepared statement id follows
  w.short_bytes(statement->meta.id);
  w.u16(static_cast<uint16_t>(values.size()));
  KeySpans keys;
  if (auto status = write_values(statement->meta, values, w, keys); !status) {
    body_.resize(before);
    return status;
  }
  if (statements_.empty()) token_ = token_of(statement->meta, keys, body_);
  statements_.push_back(std::move(statement));
  return ok_status();
}

std::string Batch::frame(uint8_t version, const ExecuteOptions& options) const {
  std::string f;
  f.reserve(kHeaderBytes + 3 + body_.size() + 5);
  begin_frame(f, version, Opcode::batch);
  BodyWriter w(f);
  w.byte(static_cast<uint8_t>(type_));
  w.u16(static_cast<uint16_t>(statements_.size()));
  w.raw(body_);
  w.u16(static_cast<uint16_t>(options.consistency));
  w.byte(options.serial_consistency ? query_flag::serial_consistency : 0);
  if (options.serial_consistency) w.u16(static_cast<uint16_t>(*options.serial_consistency));
  finish_frame(f);
  return f;
}

}  // namespace kascade::cql
