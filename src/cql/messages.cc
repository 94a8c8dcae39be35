// cql/messages.cc: request frames and response decoding (native protocol v4, section 4).
#include "cql/messages.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace kascade::cql {
namespace {

namespace rows_flag {
constexpr int32_t global_tables_spec = 0x0001;
constexpr int32_t has_more_pages = 0x0002;
constexpr int32_t no_metadata = 0x0004;
}  // namespace rows_flag

Error truncated(std::string_view what) {
  return Error::make(Errc::corrupt, fmt::format("malformed {} from the server", what));
}

void read_column_specs(BodyReader& r, int32_t flags, int32_t count, std::vector<ColumnSpec>& out) {
  std::string keyspace, table;
  if (flags & rows_flag::global_tables_spec) {
    keyspace = std::string(r.string());
    table = std::string(r.string());
  }
  // Each column spec takes at least 4 bytes: bounds `count` before reserving.
  if (count < 0 || static_cast<size_t>(count) > r.remaining() / 4 + 1) {
    r.fail();
    return;
  }
  for (int32_t i = 0; i < count && !r.failed(); ++i) {
    ColumnSpec spec;
    if (flags & rows_flag::global_tables_spec) {
      spec.keyspace = keyspace;
      spec.table = table;
    } else {
      spec.keyspace = std::string(r.string());
      spec.table = std::string(r.string());
    }
    spec.name = std::string(r.string());
    spec.type = read_type(r);
    out.push_back(std::move(spec));
  }
}

RowsMetadata read_rows_metadata(BodyReader& r) {
  RowsMetadata meta;
  const int32_t flags = r.i32();
  const int32_t count = r.i32();
  if (flags & rows_flag::has_more_pages) {
    bool null = false;
    meta.paging_state = std::string(r.bytes(null));
    meta.has_more_pages = !null;
  }
  if (!(flags & rows_flag::no_metadata)) read_column_specs(r, flags, count, meta.columns);
  return meta;
}

SchemaChange read_schema_change(BodyReader& r) {
  SchemaChange c;
  c.change = std::string(r.string());
  c.target = std::string(r.string());
  c.keyspace = std::string(r.string());
  if (c.target != "KEYSPACE") c.name = std::string(r.string());
  if (c.target == "FUNCTION" || c.target == "AGGREGATE") r.string_list();  // argument types
  return c;
}

}  // namespace

Result<Consistency> parse_consistency(std::string_view name) {
  static const std::pair<std::string_view, Consistency> kNames[] = {
      {"any", Consistency::any},
      {"one", Consistency::one},
      {"two", Consistency::two},
      {"three", Consistency::three},
      {"quorum", Consistency::quorum},
      {"all", Consistency::all},
      {"local_quorum", Consistency::local_quorum},
      {"each_quorum", Consistency::each_quorum},
      {"serial", Consistency::serial},
      {"local_serial", Consistency::local_serial},
      {"local_one", Consistency::local_one},
  };
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto& [text, level] : kNames) {
    if (lower == text) return level;
  }
  return Error::make(Errc::config, fmt::format("unknown consistency level '{}'", name));
}

Result<ServerError> parse_error(std::string_view body) {
  BodyReader r(body);
  ServerError e;
  e.code = r.i32();
  e.message = std::string(r.string());
  if (e.code == error_code::unprepared) e.unprepared_id = std::string(r.short_bytes());
  if (r.failed()) return truncated("ERROR");
  return e;
}

// How people call each error class (the protocol spec's names).
const char* error_class_name(int32_t code) {
  switch (code) {
    case error_code::syntax_error:
      return "CQL syntax error: ";
    case error_code::invalid:
      return "invalid query: ";
    case error_code::unauthorized:
      return "unauthorized: ";
    case error_code::already_exists:
      return "already exists: ";
    case error_code::unavailable:
      return "not enough replicas available: ";
    case error_code::overloaded:
      return "Cassandra is overloaded: ";
    case error_code::write_timeout:
      return "write timed out on Cassandra: ";
    case error_code::read_timeout:
      return "read timed out on Cassandra: ";
    default:
      return "";
  }
}

Error to_error(const ServerError& e) {
  const std::string message =
      fmt::format("{}{} (Cassandra error 0x{:04x})", error_class_name(e.code), e.message, e.code);
  switch (e.code) {
    case error_code::unavailable:
    case error_code::overloaded:
    case error_code::is_bootstrapping:
      return Error::make(Errc::unavailable, message, /*retriable=*/true);
    case error_code::write_timeout:
    case error_code::read_timeout:
      return Error::make(Errc::timeout, message, /*retriable=*/true);
    case error_code::syntax_error:
    case error_code::invalid:
    case error_code::already_exists:
    case error_code::config_error:
      return Error::make(Errc::invalid_argument, message);
    case error_code::bad_credentials:
    case error_code::unauthorized:
      return Error::make(Errc::unavailable, message);
    default:
      return Error::make(Errc::io, message);
  }
}

Result<ResponseEnvelope> parse_envelope(const FrameHeader& header, std::string_view body) {
  BodyReader r(body);
  ResponseEnvelope env;
  if (header.flags & frame_flag::tracing) r.raw(16);  // tracing session id
  if (header.flags & frame_flag::warning) env.warnings = r.string_list();
  if (header.flags & frame_flag::custom_payload) {
    const uint16_t n = r.u16();
    bool null = false;
    for (uint16_t i = 0; i < n && !r.failed(); ++i) {
      r.string();
      r.bytes(null);
    }
  }
  if (r.failed()) return truncated("response envelope");
  env.payload = body.substr(body.size() - r.remaining());
  return env;
}

Result<ResultMessage> parse_result(std::string_view payload) {
  BodyReader r(payload);
  ResultMessage m;
  m.kind = static_cast<ResultKind>(r.i32());
  switch (m.kind) {
    case ResultKind::void_:
      break;
    case ResultKind::rows: {
      m.rows.metadata = read_rows_metadata(r);
      const int32_t count = r.i32();
      const auto& columns = m.rows.metadata.columns;
      // kascade never asks to skip metadata, so rows always come with columns; each
      // cell takes at least 4 bytes, which bounds the count before reserving.
      if (r.failed() || count < 0 || (columns.empty() && count > 0) || static_cast<size_t>(count) > r.remaining() / 4)
        return truncated("ROWS result");
      m.rows.rows.reserve(static_cast<size_t>(count));
      for (int32_t i = 0; i < count; ++i) {
        Row row;
        row.reserve(columns.size());
        for (const auto& column : columns) {
          bool null = false;
          auto bytes = r.bytes(null);
          if (r.failed()) return truncated("ROWS result");
          if (null) {
            row.emplace_back();
            continue;
          }
          auto value = decode_value(column.type, bytes);
          if (!value) return value.error();
          row.push_back(std::move(*value));
        }
        m.rows.rows.push_back(std::move(row));
      }
      break;
    }
    case ResultKind::set_keyspace:
      m.keyspace = std::string(r.string());
      break;
    case ResultKind::prepared: {
      m.prepared.id = std::string(r.short_bytes());
      const int32_t flags = r.i32();
      const int32_t count = r.i32();
      const int32_t pk_count = r.i32();
      for (int32_t i = 0; i < pk_count && !r.failed(); ++i) m.prepared.partition_key_indexes.push_back(r.u16());
      read_column_specs(r, flags, count, m.prepared.bind_columns);
      m.prepared.result_metadata = read_rows_metadata(r);
      for (uint16_t index : m.prepared.partition_key_indexes) {
        if (index >= m.prepared.bind_columns.size()) return truncated("PREPARED result");
      }
      break;
    }
    case ResultKind::schema_change:
      m.schema_change = read_schema_change(r);
      break;
    default:
      return truncated("RESULT kind");
  }
  if (r.failed()) return truncated("RESULT");
  return m;
}

Result<Event> parse_event(std::string_view payload) {
  BodyReader r(payload);
  Event e;
  e.type = std::string(r.string());
  if (e.type == "SCHEMA_CHANGE") e.schema_change = read_schema_change(r);
  if (r.failed()) return truncated("EVENT");
  return e;
}

std::string startup_frame(uint8_t version) {
  std::string f;
  begin_frame(f, version, Opcode::startup);
  BodyWriter(f).string_map({{"CQL_VERSION", "3.0.0"}, {"DRIVER_NAME", "kascade"}});
  finish_frame(f);
  return f;
}

std::string options_frame(uint8_t version) {
  std::string f;
  begin_frame(f, version, Opcode::options);
  finish_frame(f);
  return f;
}

std::string auth_response_frame(uint8_t version, std::string_view username, std::string_view password) {
  std::string token;
  token.push_back('\0');
  token.append(username);
  token.push_back('\0');
  token.append(password);
  std::string f;
  begin_frame(f, version, Opcode::auth_response);
  BodyWriter(f).bytes(token);
  finish_frame(f);
  return f;
}

std::string register_frame(uint8_t version, const std::vector<std::string>& event_types) {
  std::string f;
  begin_frame(f, version, Opcode::register_events);
  BodyWriter(f).string_list(event_types);
  finish_frame(f);
  return f;
}

std::string prepare_frame(uint8_t version, std::string_view cql) {
  std::string f;
  begin_frame(f, version, Opcode::prepare);
  BodyWriter(f).long_string(cql);
  finish_frame(f);
  return f;
}

std::string query_frame(uint8_t version, std::string_view cql, const QueryOptions& options) {
  std::string f;
  begin_frame(f, version, Opcode::query);
  BodyWriter w(f);
  w.long_string(cql);
  w.u16(static_cast<uint16_t>(options.consistency));
  uint8_t flags = 0;
  if (options.page_size > 0) flags |= query_flag::page_size;
  if (!options.paging_state.empty()) flags |= query_flag::paging_state;
  w.byte(flags);
  if (options.page_size > 0) w.i32(options.page_size);
  if (!options.paging_state.empty()) w.bytes(options.paging_state);
  finish_frame(f);
  return f;
}

}  // namespace kascade::cql
