// process/windows/window_plan.h: what a windowed aggregation computes, parsed from its config text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/row.h"

namespace kascade {

enum class AggregateKind : uint8_t { count, sum, min, max, avg, count_distinct, approx_count_distinct };

const char* aggregate_kind_name(AggregateKind kind);

// One output column: `female=count(gender=female)` is {name "female", count,
// field "gender", equals "female"}. An empty field means "every record".
struct AggregateSpec {
  std::string name;
  AggregateKind kind = AggregateKind::count;
  std::string field;  // a column of the mapped row, or "header.<name>"
  bool has_filter = false;
  std::string equals;  // count(field=value): counts records whose field's text is `value`
};

// What to do with a record whose every window has already closed.
enum class LatePolicy : uint8_t { drop, dead_letter };

// What to do with a record whose group-by value is missing (null) or not of
// the column's type: count it in the null group (a text group-by value is
// then `null_group_label`, since key columns of the stores cannot hold NULL),
// or dead-letter it with class `window` (its row still lands).
enum class MissingGroupPolicy : uint8_t { null_group, dead_letter };

// A tumbling (slide == size) or hopping window over event time, grouped by
// fields, with its aggregates and the bounds of its in-memory state.
struct WindowPlan {
  std::string table;       // results table, also the name of the checkpointed state
  std::string event_time;  // "header.fetched_at" or a timestamp/integer column
  std::vector<std::string> group_by;
  std::vector<AggregateSpec> aggregates;
  int64_t size_ms = 60000;
  int64_t slide_ms = 60000;
  int64_t allowed_lateness_ms = 0;
  LatePolicy late = LatePolicy::drop;
  MissingGroupPolicy missing_group = MissingGroupPolicy::null_group;
  std::string null_group_label;  // the null group's text group-by value
  size_t max_open_windows = 64;
  size_t max_groups = 1000000;  // over all open windows
  // > 0: the open windows' current results (closed = 0) also go out with a
  // sink batch at most this often, in processing time; 0: only when they close.
  int64_t early_updates_ms = 0;
};

// Parses "users=count, female=count(gender=female), avg_age=avg(age)".
Result<std::vector<AggregateSpec>> parse_aggregates(std::string_view text);
// Parses "country, gender" (empty text: one group for everything).
std::vector<std::string> parse_field_list(std::string_view text);
// windows.group_by: parse_field_list, each item a field (a column name or
// header.<name>) and none twice (Errc::config naming the item).
Result<std::vector<std::string>> parse_group_by(std::string_view text);
// windows.event_time: a field (a column name or header.<name>).
Status check_field_name(std::string_view field);
// windows.table: a table name (letters, digits, '_', not starting with a digit).
Status check_table_name(std::string_view name);
// Checks sizes and names (Errc::config on a mistake).
Status validate_plan(const WindowPlan& plan);

// The results table: group-by columns (typed as in `input`; headers as text),
// window_start, window_end, one column per aggregate, and `closed` (1 once the
// watermark passed the window's end, 0 for a provisional result).
// Primary key: group-by columns + window_start.
Result<TableSchema> results_schema(const WindowPlan& plan, const TableSchema& input);

// True for "header.<name>" fields, which read the record's header <name>.
bool is_header_field(std::string_view field);
std::string_view header_name(std::string_view field);

}  // namespace kascade
