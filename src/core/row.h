// core/row.h: typed table rows as the processor hands them to sinks.
//
// A RowBatch stores rows column-major-free and allocation-light: one flat
// vector of Values (rows x columns) and one arena holding all text bytes.
// The processor thread fills a batch; the sink thread reads it afterwards.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kascade {

enum class ColumnType : uint8_t {
  text,
  int32,
  int64,
  float64,
  timestamp,  // milliseconds since the Unix epoch, UTC
  uuid,       // canonical lower-case text form
};

const char* column_type_name(ColumnType type);

struct Column {
  std::string name;
  ColumnType type = ColumnType::text;
};

struct TableSchema {
  std::string name;
  std::vector<Column> columns;
  std::vector<std::string> primary_key;  // column names

  int column_index(std::string_view column) const;  // -1 if absent
  bool is_primary_key(std::string_view column) const;
};

// One cell. Text lives in the owning RowBatch's arena.
struct Value {
  enum class Kind : uint8_t { null, integer, real, text };
  Kind kind = Kind::null;
  union {
    int64_t integer;
    double real;
    struct {
      uint32_t offset;
      uint32_t size;
    } text;
  } as{.integer = 0};

  bool is_null() const { return kind == Kind::null; }
};

class RowBatch {
 public:
  explicit RowBatch(const TableSchema* schema)
      : schema_(schema), columns_(schema->columns.size()) {}

  const TableSchema& schema() const { return *schema_; }
  size_t rows() const { return rows_; }
  size_t columns() const { return columns_; }
  bool empty() const { return values_.empty(); }
  size_t arena_bytes() const { return arena_.size(); }

  // Starts a new row of nulls and returns its index.
  size_t add_row() {
    values_.resize(values_.size() + columns_);
    return rows_++;
  }
  // Drops the last row (a record that failed half-way through mapping).
  void drop_last_row() {
    assert(!values_.empty());
    values_.resize(values_.size() - columns_);
    --rows_;
  }

  void set_null(size_t row, size_t col) { at(row, col) = Value{}; }
  void set_integer(size_t row, size_t col, int64_t v) {
    Value& cell = at(row, col);
    cell.kind = Value::Kind::integer;
    cell.as.integer = v;
  }
  void set_real(size_t row, size_t col, double v) {
    Value& cell = at(row, col);
    cell.kind = Value::Kind::real;
    cell.as.real = v;
  }
  void set_text(size_t row, size_t col, std::string_view v) {
    Value& cell = at(row, col);
    cell.kind = Value::Kind::text;
    cell.as.text.offset = static_cast<uint32_t>(arena_.size());
    cell.as.text.size = static_cast<uint32_t>(v.size());
    arena_.append(v);
  }
  // Appends bytes to the arena for the text cell being built with begin_text/end_text.
  std::string& arena() { return arena_; }
  void set_text_range(size_t row, size_t col, size_t offset, size_t size) {
    Value& cell = at(row, col);
    cell.kind = Value::Kind::text;
    cell.as.text.offset = static_cast<uint32_t>(offset);
    cell.as.text.size = static_cast<uint32_t>(size);
  }

  const Value& get(size_t row, size_t col) const { return values_[row * columns_ + col]; }
  std::string_view text(const Value& v) const {
    assert(v.kind == Value::Kind::text);
    return std::string_view(arena_).substr(v.as.text.offset, v.as.text.size);
  }

  void clear() {
    values_.clear();
    arena_.clear();
    rows_ = 0;
  }

 private:
  Value& at(size_t row, size_t col) { return values_[row * columns_ + col]; }

  const TableSchema* schema_;
  size_t columns_;   // schema_->columns.size(), cached: read for every cell
  size_t rows_ = 0;  // values_.size() / columns_, counted rather than divided
  std::vector<Value> values_;
  std::string arena_;
};

}  // namespace kascade
