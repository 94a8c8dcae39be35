// cql/binding.h: typed values bound to a prepared statement's markers, and the routing token of the result.
//
// Callers hand the client typed cells (core/row.h's kinds: null, integer,
// real, text) — a row of a RowBatch, or cells given one by one — and the
// client encodes each into the CQL type the server announced for its marker
// in the PREPARED result (encode_cell, the one encoder of a typed cell). The
// markers the server flags as partition-key components give the routing
// token (Murmur3 over the serialized key; a composite key per the protocol:
// each component as [short length][bytes][0]).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/row.h"
#include "cql/messages.h"
#include "cql/types.h"

namespace kascade::cql {

// A prepared statement as the session knows it.
struct PreparedStatement {
  std::string cql;
  Prepared meta;
  uint8_t version = 4;
};

// One value to bind: the project's typed cell kinds, text and blob bytes by view.
struct Cell {
  Value::Kind kind = Value::Kind::null;
  int64_t integer = 0;
  double real = 0;
  std::string_view text;

  static Cell of_integer(int64_t v) { return {Value::Kind::integer, v, 0, {}}; }
  static Cell of_real(double v) { return {Value::Kind::real, 0, v, {}}; }
  static Cell of_text(std::string_view v) { return {Value::Kind::text, 0, 0, v}; }
  static Cell of(const RowBatch& rows, const Value& v) {
    switch (v.kind) {
      case Value::Kind::integer:
        return of_integer(v.as.integer);
      case Value::Kind::real:
        return of_real(v.as.real);
      case Value::Kind::text:
        return of_text(rows.text(v));
      case Value::Kind::null:
        break;
    }
    return {};
  }
};

// How a null cell is sent.
enum class NullAs : uint8_t {
  unset,  // protocol v4's unset value (-2): the column is left as it is, no tombstone
  null,   // a null (-1): the column is deleted
};

// The values of one statement, in marker order: a row of a RowBatch (every
// column, in the schema's order), or cells. Views: what they point at must
// outlive the call that binds them (binding copies the bytes into the frame).
class BoundValues {
 public:
  static BoundValues row(const RowBatch& rows, size_t row, NullAs nulls = NullAs::unset) {
    BoundValues b;
    b.rows_ = &rows;
    b.row_ = row;
    b.nulls_ = nulls;
    return b;
  }
  static BoundValues cells(std::span<const Cell> cells, NullAs nulls = NullAs::null) {
    BoundValues b;
    b.cells_ = cells;
    b.nulls_ = nulls;
    return b;
  }
  // A null text partition-key component is bound as '' (Cassandra refuses a null key).
  BoundValues& empty_text_for_null_keys() {
    empty_text_keys_ = true;
    return *this;
  }

  size_t size() const { return rows_ ? rows_->columns() : cells_.size(); }
  Cell at(size_t i) const { return rows_ ? Cell::of(*rows_, rows_->get(row_, i)) : cells_[i]; }
  NullAs nulls() const { return nulls_; }
  bool empty_text_keys() const { return empty_text_keys_; }

 private:
  BoundValues() = default;
  const RowBatch* rows_ = nullptr;
  size_t row_ = 0;
  std::span<const Cell> cells_;
  NullAs nulls_ = NullAs::null;
  bool empty_text_keys_ = false;
};

// How one bound statement (or batch) is executed.
struct ExecuteOptions {
  Consistency consistency = Consistency::local_one;
  std::optional<Consistency> serial_consistency;  // conditional (IF ...) statements and batches
  int32_t page_size = 0;                          // > 0: rows a page
  std::string_view paging_state;                  // continues a paged read
  bool idempotent = false;                        // only idempotent requests are retried
  // Queued, not written: the session writes queued requests every 32 of them,
  // before it waits for room, or on flush(). Whoever defers flushes (or
  // waits through a RequestGroup) before waiting for answers.
  bool defer_write = false;
};

// Appends the [bytes] of `cell` as a value of `type`: text to text, ascii
// and blob; integers to every integer type, timestamp, date and time (range
// checked); reals and integers to double and float; booleans from integers;
// uuids from their canonical text. A null cell writes -1. Anything else is an
// invalid_argument error naming `column`.
Status encode_cell(const TypeSpec& type, const Cell& cell, std::string_view column, BodyWriter& out);

// The CQL type kascade creates for a column type (CREATE TABLE, ALTER TABLE).
const char* cql_type_name(ColumnType type);

// The first 64 bits of MurmurHash3_x64_128 (seed 0) as Cassandra's
// Murmur3Partitioner computes it: tail bytes are sign-extended (Java bytes are
// signed), and Long.MIN_VALUE maps to Long.MAX_VALUE. What `SELECT token(pk)`
// returns for a single-column key.
int64_t murmur3_token(std::string_view key);

// The Murmur3 token of a partition key from its components' serialized
// values: the value itself for one component; otherwise each component as
// [short length][bytes][0] (the protocol's routing key of a composite key).
int64_t routing_token(std::span<const std::string_view> components);

// Writes the EXECUTE frame of `statement` with `values` bound into `frame`
// (replacing its contents) and returns the routing token, when every
// partition-key component is bound to a value.
Result<std::optional<int64_t>> bind_execute(const PreparedStatement& statement, const BoundValues& values,
                                            const ExecuteOptions& options, std::string& frame);

enum class BatchType : uint8_t { logged = 0, unlogged = 1 };

// A BATCH of bound prepared statements, executed by Session::execute(batch).
// Routed by the first statement's partition key (the callers keep a batch
// within one partition).
class Batch {
 public:
  explicit Batch(BatchType type = BatchType::unlogged) : type_(type) {}
  // Binds `values` to `statement` and appends it; a binding error leaves the batch as it was.
  Status add(std::shared_ptr<const PreparedStatement> statement, const BoundValues& values);

  size_t size() const { return statements_.size(); }
  const std::vector<std::shared_ptr<const PreparedStatement>>& statements() const { return statements_; }
  std::optional<int64_t> token() const { return token_; }
  // The whole frame (consistency and serial consistency from `options`).
  std::string frame(uint8_t version, const ExecuteOptions& options) const;

 private:
  BatchType type_;
  std::string body_;  // the statements, each [kind][id][values]
  std::vector<std::shared_ptr<const PreparedStatement>> statements_;
  std::optional<int64_t> token_;
};

}  // namespace kascade::cql
