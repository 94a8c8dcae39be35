// cql/binding.cc: typed cells into CQL bytes, EXECUTE and BATCH frames, routing tokens.
#include "cql/binding.h"

#include <fmt/format.h>

#include <array>
#include <bit>

#include "cql/murmur3.h"

namespace kascade::cql {
namespace {

namespace query_flag {
constexpr uint8_t values = 0x01;
constexpr uint8_t page_size = 0x04;
constexpr uint8_t paging_state = 0x08;
constexpr uint8_t serial_consistency = 0x10;
}  // namespace query_flag

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

// Where each partition-key component's value sits in the frame (-1: null or unset).
struct KeySpans {
  std::array<std::pair<size_t, int64_t>, kMaxKeyComponents> at{};
};

// Appends the values of `values` to `w` (bound to `meta`'s markers), noting the key components' spans.
Status write_values(const Prepared& meta, const BoundValues& values, BodyWriter& w, KeySpans& keys) {
  const size_t n = values.size();
  if (n != meta.bind_columns.size()) {
    return Error::make(Errc::internal,
                       fmt::format("{} values bound to a statement of {} markers", n, meta.bind_columns.size()));
  }
  const auto& pk = meta.partition_key_indexes;
  std::string& out = w.out();
  for (size_t i = 0; i < n; ++i) {
    const ColumnSpec& column = meta.bind_columns[i];
    Cell cell = values.at(i);
    int key = -1;  // which partition-key component marker i is
    for (size_t k = 0; k < pk.size() && k < kMaxKeyComponents; ++k)
      if (pk[k] == i) key = static_cast<int>(k);
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
    if (auto status = encode_cell(column.type, cell, column.name, w); !status) return status;
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
    return Error::make(Errc::invalid_argument,
                       fmt::format("column {}: {} value does not fit type {}", column, kind_name(cell.kind),
                                   type.name()));
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
      const float f = static_cast<float>(cell.kind == Value::Kind::real ? cell.real : static_cast<double>(cell.integer));
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
  if (!encode_integer(type, n, out)) return mismatch();
  return ok_status();
}

const char* cql_type_name(ColumnType type) {
  switch (type) {
    case ColumnType::text:
      return "text";
    case ColumnType::int32:
      return "int";
    case ColumnType::int64:
      return "bigint";
    case ColumnType::float64:
      return "double";
    case ColumnType::timestamp:
      return "timestamp";
    case ColumnType::uuid:
      return "uuid";
  }
  return "blob";
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
