// cql/messages.h: the requests kascade sends and the responses it decodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "cql/types.h"
#include "cql/wire.h"

namespace kascade::cql {

enum class Consistency : uint16_t {
  any = 0x0000,
  one = 0x0001,
  two = 0x0002,
  three = 0x0003,
  quorum = 0x0004,
  all = 0x0005,
  local_quorum = 0x0006,
  each_quorum = 0x0007,
  serial = 0x0008,
  local_serial = 0x0009,
  local_one = 0x000A,
};
// "one", "local_quorum", ... (case-insensitive).
Result<Consistency> parse_consistency(std::string_view name);

// Server error codes (protocol spec, section 9) kascade reacts to.
namespace error_code {
inline constexpr int32_t server_error = 0x0000;
inline constexpr int32_t protocol_error = 0x000A;
inline constexpr int32_t bad_credentials = 0x0100;
inline constexpr int32_t unavailable = 0x1000;
inline constexpr int32_t overloaded = 0x1001;
inline constexpr int32_t is_bootstrapping = 0x1002;
inline constexpr int32_t truncate_error = 0x1003;
inline constexpr int32_t write_timeout = 0x1100;
inline constexpr int32_t read_timeout = 0x1200;
inline constexpr int32_t read_failure = 0x1300;
inline constexpr int32_t function_failure = 0x1400;
inline constexpr int32_t write_failure = 0x1500;
inline constexpr int32_t syntax_error = 0x2000;
inline constexpr int32_t unauthorized = 0x2100;
inline constexpr int32_t invalid = 0x2200;
inline constexpr int32_t config_error = 0x2300;
inline constexpr int32_t already_exists = 0x2400;
inline constexpr int32_t unprepared = 0x2500;
}  // namespace error_code

// An ERROR response.
struct ServerError {
  int32_t code = 0;
  std::string message;
  std::string unprepared_id;  // for error_code::unprepared
};
Result<ServerError> parse_error(std::string_view body);
// The Error kascade reports for it: timeouts, unavailable, overloaded and
// bootstrapping are retriable; syntax and invalid queries are invalid_argument.
Error to_error(const ServerError& error);

struct ColumnSpec {
  std::string keyspace;
  std::string table;
  std::string name;
  TypeSpec type;
};

struct RowsMetadata {
  std::vector<ColumnSpec> columns;
  std::string paging_state;  // empty: last page
  bool has_more_pages = false;
};

using Row = std::vector<CqlValue>;
struct Rows {
  RowsMetadata metadata;
  std::vector<Row> rows;
};

struct Prepared {
  std::string id;
  std::vector<ColumnSpec> bind_columns;
  std::vector<uint16_t> partition_key_indexes;  // into bind_columns
  RowsMetadata result_metadata;
};

struct SchemaChange {
  std::string change;  // CREATED, UPDATED, DROPPED
  std::string target;  // KEYSPACE, TABLE, TYPE, FUNCTION, AGGREGATE
  std::string keyspace;
  std::string name;  // empty for a keyspace
};

enum class ResultKind : int32_t { void_ = 1, rows = 2, set_keyspace = 3, prepared = 4, schema_change = 5 };

struct ResultMessage {
  ResultKind kind = ResultKind::void_;
  Rows rows;
  Prepared prepared;
  std::string keyspace;
  SchemaChange schema_change;
};

// A response body once the optional envelope parts (tracing id, warnings,
// custom payload) announced by the header flags are read off.
struct ResponseEnvelope {
  std::vector<std::string> warnings;
  std::string_view payload;
};
Result<ResponseEnvelope> parse_envelope(const FrameHeader& header, std::string_view body);

Result<ResultMessage> parse_result(std::string_view payload);
// An EVENT: only SCHEMA_CHANGE is decoded in full; others keep their type.
struct Event {
  std::string type;  // SCHEMA_CHANGE, TOPOLOGY_CHANGE, STATUS_CHANGE
  SchemaChange schema_change;
};
Result<Event> parse_event(std::string_view payload);

// --- requests (each returns a whole frame with stream id 0; the connection patches it) ---

std::string startup_frame(uint8_t version);
std::string options_frame(uint8_t version);
// SASL PLAIN token for PasswordAuthenticator: "\0user\0password".
std::string auth_response_frame(uint8_t version, std::string_view username, std::string_view password);
std::string register_frame(uint8_t version, const std::vector<std::string>& event_types);
std::string prepare_frame(uint8_t version, std::string_view cql);

struct QueryOptions {
  Consistency consistency = Consistency::local_one;
  int32_t page_size = 5000;  // <= 0: no paging
  std::string paging_state;
};
std::string query_frame(uint8_t version, std::string_view cql, const QueryOptions& options);

// EXECUTE and BATCH frames are built from typed values by cql/binding.h.

}  // namespace kascade::cql
