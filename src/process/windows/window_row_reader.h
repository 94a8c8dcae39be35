// process/windows/window_row_reader.h: a mapped row and its record's headers -> event time, group key, aggregate
// inputs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "core/result.h"
#include "core/row.h"
#include "process/windows/open_window.h"
#include "process/windows/window_plan.h"

namespace kascade {

// Resolves the plan's field names once against the input table, then reads
// each row. Its outputs stay valid until the next read(). Used by the
// processor thread only.
class WindowRowReader {
 public:
  static Result<WindowRowReader> bind(const WindowPlan& plan, const TableSchema& input);

  // Reads row `row` of `rows`, mapped from `record`. False when the row has no
  // usable event time (the record is then left out of every window). A
  // missing or mistyped group-by value goes to the null group (a text column
  // or header, plan.missing_group = null_group) or sets missing_group().
  bool read(const ConsumedRecord& record, const RowBatch& rows, size_t row);

  // After a read() that returned true: the group-by field whose value was
  // missing or mistyped and has no null group here (the record must not be
  // counted), or empty.
  std::string_view missing_group() const { return missing_group_; }

  int64_t event_ms() const { return event_ms_; }
  std::string_view group_key() const { return key_; }
  std::span<const AggregateInput> inputs() const { return inputs_; }

 private:
  // A column of the row, or (column < 0) a header.
  struct FieldRef {
    int column = -1;
    std::string header;
    ColumnType type = ColumnType::text;  // the column's (text for a header)
    std::string name;                    // as the plan names it
  };
  struct AggregateRef {
    FieldRef field;
    bool all_records = false;  // count with no field
    bool numeric = false;      // sum, min, max, avg
    std::optional<std::string> equals;
    std::optional<int64_t> equals_integer;  // the condition, for an integer column
  };

  std::optional<std::string_view> header_of(const ConsumedRecord& record, const FieldRef& field) const;
  void append_missing(const FieldRef& field);
  void read_aggregate(size_t index, const ConsumedRecord& record, const RowBatch& rows, size_t row);

  FieldRef event_time_;
  std::vector<FieldRef> group_by_;
  MissingGroupPolicy missing_policy_ = MissingGroupPolicy::null_group;
  std::string null_group_label_;
  std::string_view missing_group_;
  std::vector<AggregateRef> aggregates_;
  int64_t event_ms_ = 0;
  std::string key_;
  std::vector<AggregateInput> inputs_;
  std::vector<std::array<char, 8>> scratch_;  // bytes of numeric values counted distinct
};

}  // namespace kascade
