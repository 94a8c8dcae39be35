// core/row.h: typed table rows as the processor hands them to sinks.
//
// A RowBatch stores rows column-major-free and allocation-light: one flat
// vector of Values (rows x columns) and one arena holding all text bytes.
// The processor thread fills a batch; the sink thread reads it afterwards.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <optional>
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
  explicit RowBatch(const TableSchema* schema) : schema_(schema), columns_(schema->columns.size()) {}

  const TableSchema& schema() const { return *schema_; }
  size_t rows() const { return rows_; }
  size_t columns() const { return columns_; }
  bool empty() const { return rows_ == 0; }
  size_t arena_bytes() const { return arena_.size(); }

  // Starts a new row of nulls and returns its index. values_ only ever grows
  // (in whole rows, doubling); the cells of the rows in use are [0, rows_ * columns_).
  size_t add_row() {
    const size_t end = (rows_ + 1) * columns_;
    if (end > values_.size()) grow_values(end);
    Value* cell = values_.data() + rows_ * columns_;
    for (size_t c = 0; c < columns_; ++c) cell[c] = Value{};
    return rows_++;
  }
  // Drops the last row (a record that failed half-way through mapping).
  void drop_last_row() {
    assert(rows_ > 0);
    --rows_;
  }

  // Starts a new row whose cells the caller then writes, every one of them (nulls
  // included), and returns them: for writing a whole row at once.
  Value* add_row_cells() {
    const size_t end = (rows_ + 1) * columns_;
    if (end > values_.size()) grow_values(end);
    Value* const cells = values_.data() + rows_ * columns_;
    if (end + columns_ <= values_.size()) {
      prefetch_for_write(cells + columns_, columns_ * sizeof(Value));
    }
    ++rows_;
    return cells;
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
  // Appends bytes to the arena for a text cell then set with set_text_range.
  std::string& arena() { return arena_; }
  // Grows the arena by `size` bytes (zeroed, to be overwritten by the caller) and returns
  // where they start: one call for all the text of a row. Undo with truncate_arena.
  char* extend_arena(size_t size) {
    const size_t start = arena_.size();
    arena_.resize(start + size);
    // As for the cells: fetch the bytes the next row's text will likely go to.
    const size_t room = arena_.capacity() - arena_.size();
    prefetch_for_write(arena_.data() + arena_.size(), room < size ? room : size);
    return arena_.data() + start;
  }
  void truncate_arena(size_t size) {
    assert(size <= arena_.size());
    arena_.resize(size);
  }
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

  // Empties the batch; its buffers are kept for the next rows.
  void clear() {
    arena_.clear();
    rows_ = 0;
  }

 private:
  Value& at(size_t row, size_t col) { return values_[row * columns_ + col]; }
  // A batch spans megabytes, so the next row's cells and text are likely out of
  // cache: start fetching them while this row is being filled.
  static void prefetch_for_write(const void* from, size_t bytes) {
    const char* p = static_cast<const char*>(from);
    for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at, 1);
  }
  // Out of line and rare: makes room for at least `cells` cells.
  [[gnu::noinline]] void grow_values(size_t cells) {
    size_t size = values_.size() < 64 * columns_ ? 64 * columns_ : values_.size() * 2;
    if (size < cells) size = cells;
    values_.resize(size);
  }

  const TableSchema* schema_;
  size_t columns_;   // schema_->columns.size(), cached: read for every cell
  size_t rows_ = 0;  // rows in use; values_ may hold more (reused) cells
  std::vector<Value> values_;
  std::string arena_;
};

// Copies n bytes without a libc call for the short texts of a row: fixed-size
// overlapping loads and stores, reading and writing only [0, n).
inline void copy_text_bytes(char* dst, const char* src, size_t n) {
  if (n > 16) {
    if (n > 256) {
      std::memcpy(dst, src, n);
      return;
    }
    for (size_t i = 0; i + 16 < n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n > 0) {
    const char a = src[0], b = src[n / 2], c = src[n - 1];
    dst[0] = a;
    dst[n / 2] = b;
    dst[n - 1] = c;
  }
}

// Writes one row of a RowBatch at once: the caller counts the row's text bytes
// first, the arena is grown once, and each text is copied inline into its place.
// The caller writes every cell exactly once (absent values with null()).
class RowWriter {
 public:
  RowWriter(RowBatch& rows, size_t text_bytes)
      : base_(rows.arena_bytes()), out_(rows.extend_arena(text_bytes)), cells_(rows.add_row_cells()) {}
  void text(size_t col, std::string_view v) {
    copy_text_bytes(out_ + used_, v.data(), v.size());
    set_range(col, used_, v.size());
    used_ += v.size();
  }
  void text(size_t col, const std::optional<std::string_view>& v) {
    if (v) {
      text(col, *v);
    } else {
      null(col);
    }
  }
  void null(size_t col) { cells_[col] = Value{}; }
  void integer(size_t col, int64_t v) {
    cells_[col].kind = Value::Kind::integer;
    cells_[col].as.integer = v;
  }
  void real(size_t col, double v) {
    cells_[col].kind = Value::Kind::real;
    cells_[col].as.real = v;
  }
  template <typename T>
  void integer(size_t col, const std::optional<T>& v) {
    if (v) {
      integer(col, *v);
    } else {
      null(col);
    }
  }
  void real(size_t col, const std::optional<double>& v) {
    if (v) {
      real(col, *v);
    } else {
      null(col);
    }
  }
  // For a text built in place at the end: write at cursor(), advance(), then
  // set_range() with the offset used() gave before (offsets count from the row's text).
  char* cursor() { return out_ + used_; }
  void advance(size_t n) { used_ += n; }
  size_t used() const { return used_; }
  void set_range(size_t col, size_t offset, size_t size) {
    cells_[col].kind = Value::Kind::text;
    cells_[col].as.text.offset = static_cast<uint32_t>(base_ + offset);
    cells_[col].as.text.size = static_cast<uint32_t>(size);
  }

 private:
  size_t base_;
  char* out_;
  Value* cells_;
  size_t used_ = 0;
};

}  // namespace kascade
