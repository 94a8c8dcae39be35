// process/windows/window_plan.cc: parsing and checking of window plans, and the results table they produce.
#include "process/windows/window_plan.h"

#include <fmt/format.h>

#include "core/text.h"

namespace kascade {
namespace {

constexpr std::string_view kHeaderPrefix = "header.";

bool is_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool is_field(std::string_view field) {
  return is_header_field(field) ? !header_name(field).empty() : is_identifier(field);
}

struct KindName {
  std::string_view name;
  AggregateKind kind;
};
constexpr KindName kKinds[] = {
    {"count", AggregateKind::count},
    {"sum", AggregateKind::sum},
    {"min", AggregateKind::min},
    {"max", AggregateKind::max},
    {"avg", AggregateKind::avg},
    {"count_distinct", AggregateKind::count_distinct},
    {"approx_count_distinct", AggregateKind::approx_count_distinct},
};

Error config_error(std::string message) { return Error::make(Errc::config, std::move(message)); }

}  // namespace

const char* aggregate_kind_name(AggregateKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name.data();
  }
  return "?";
}

bool is_header_field(std::string_view field) { return field.starts_with(kHeaderPrefix); }
std::string_view header_name(std::string_view field) { return field.substr(kHeaderPrefix.size()); }

std::vector<std::string> parse_field_list(std::string_view text) {
  std::vector<std::string> fields;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) fields.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return fields;
}

Result<std::vector<std::string>> parse_group_by(std::string_view text) {
  std::vector<std::string> fields = parse_field_list(text);
  for (size_t i = 0; i < fields.size(); ++i) {
    if (Status status = check_field_name(fields[i]); !status) return status.error();
    for (size_t j = 0; j < i; ++j) {
      if (fields[j] == fields[i]) return config_error(fmt::format("'{}' is given twice", fields[i]));
    }
  }
  return fields;
}

Status check_field_name(std::string_view field) {
  if (is_field(field)) return ok_status();
  return config_error(fmt::format("'{}' is not a field (a column name or header.<name>)", field));
}

Status check_table_name(std::string_view name) {
  if (is_identifier(name)) return ok_status();
  return config_error(fmt::format("'{}' is not a table name (letters, digits and '_')", name));
}

Result<std::vector<AggregateSpec>> parse_aggregates(std::string_view text) {
  std::vector<AggregateSpec> specs;
  for (const std::string& item : parse_field_list(text)) {
    const size_t equals = item.find('=');
    const size_t open = item.find('(');
    if (equals == std::string::npos || (open != std::string::npos && open < equals)) {
      return config_error(fmt::format("aggregate '{}': expected NAME=FUNCTION or NAME=FUNCTION(FIELD)", item));
    }
    AggregateSpec spec;
    spec.name = std::string(trim(std::string_view(item).substr(0, equals)));
    std::string_view call = trim(std::string_view(item).substr(equals + 1));
    std::string_view function = call, argument;
    if (const size_t paren = call.find('('); paren != std::string_view::npos) {
      if (!call.ends_with(')')) return config_error(fmt::format("aggregate '{}': missing ')'", item));
      function = trim(call.substr(0, paren));
      argument = trim(call.substr(paren + 1, call.size() - paren - 2));
    }
    bool known = false;
    for (const auto& k : kKinds) {
      if (k.name == function) {
        spec.kind = k.kind;
        known = true;
      }
    }
    if (!known) {
      return config_error(
          fmt::format("aggregate '{}': unknown function '{}' (count, sum, min, max, avg, "
                      "count_distinct, approx_count_distinct)",
                      item, function));
    }
    if (const size_t cond = argument.find('='); cond != std::string_view::npos) {
      if (spec.kind != AggregateKind::count) {
        return config_error(fmt::format("aggregate '{}': only count takes a condition (count(field=value))", item));
      }
      spec.has_filter = true;
      spec.equals = std::string(trim(argument.substr(cond + 1)));
      argument = trim(argument.substr(0, cond));
    }
    spec.field = std::string(argument);
    if (!is_identifier(spec.name))
      return config_error(fmt::format("aggregate '{}': '{}' is not a column name", item, spec.name));
    if (!spec.field.empty() && !is_field(spec.field)) {
      return config_error(fmt::format("aggregate '{}': '{}' is not a field name", item, spec.field));
    }
    if (spec.field.empty() && spec.kind != AggregateKind::count) {
      return config_error(fmt::format("aggregate '{}': {} needs a field", item, function));
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

Status validate_plan(const WindowPlan& plan) {
  if (!is_identifier(plan.table))
    return config_error(fmt::format("windows.table: '{}' is not a table name", plan.table));
  if (plan.size_ms <= 0) return config_error("windows.size_ms: must be positive");
  if (plan.slide_ms <= 0 || plan.slide_ms > plan.size_ms || plan.size_ms % plan.slide_ms != 0) {
    return config_error(
        fmt::format("windows.slide_ms ({}) must divide windows.size_ms ({})", plan.slide_ms, plan.size_ms));
  }
  if (plan.size_ms / plan.slide_ms > 1000) return config_error("windows: a record may belong to at most 1000 windows");
  if (plan.allowed_lateness_ms < 0) return config_error("windows.allowed_lateness_ms: must not be negative");
  if (plan.aggregates.empty()) return config_error("windows.aggregates: at least one aggregate is needed");
  if (!is_field(plan.event_time))
    return config_error(fmt::format("windows.event_time: '{}' is not a field", plan.event_time));
  for (const std::string& field : plan.group_by) {
    if (!is_field(field)) return config_error(fmt::format("windows.group_by: '{}' is not a field", field));
  }
  return ok_status();
}

Result<TableSchema> results_schema(const WindowPlan& plan, const TableSchema& input) {
  if (auto status = validate_plan(plan); !status) return status.error();
  TableSchema schema;
  schema.name = plan.table;
  auto add = [&](const std::string& name, ColumnType type) -> Status {
    if (schema.column_index(name) >= 0) return config_error(fmt::format("windows: column '{}' appears twice", name));
    schema.columns.push_back({name, type});
    return ok_status();
  };
  auto check_field = [&](const std::string& field) -> Result<ColumnType> {
    if (is_header_field(field)) return ColumnType::text;
    const int index = input.column_index(field);
    if (index < 0) return config_error(fmt::format("windows: '{}' is not a column of table '{}'", field, input.name));
    return input.columns[static_cast<size_t>(index)].type;
  };
  for (const std::string& field : plan.group_by) {
    auto type = check_field(field);
    if (!type) return type.error();
    const std::string column(is_header_field(field) ? header_name(field) : std::string_view(field));
    if (auto status = add(column, *type); !status) return status.error();
    schema.primary_key.push_back(column);
  }
  if (!is_header_field(plan.event_time)) {
    auto type = check_field(plan.event_time);
    if (!type) return type.error();
    if (*type != ColumnType::timestamp && *type != ColumnType::int64 && *type != ColumnType::int32) {
      return config_error(fmt::format("windows.event_time: column '{}' is not a timestamp", plan.event_time));
    }
  }
  for (const char* column : {"window_start", "window_end"}) {
    if (auto status = add(column, ColumnType::timestamp); !status) return status.error();
  }
  schema.primary_key.push_back("window_start");
  for (const AggregateSpec& spec : plan.aggregates) {
    if (!spec.field.empty()) {
      if (auto type = check_field(spec.field); !type) return type.error();
    }
    const bool counts = spec.kind == AggregateKind::count || spec.kind == AggregateKind::count_distinct ||
                        spec.kind == AggregateKind::approx_count_distinct;
    if (auto status = add(spec.name, counts ? ColumnType::int64 : ColumnType::float64); !status) return status.error();
  }
  if (auto status = add("closed", ColumnType::int32); !status) return status.error();
  return schema;
}

}  // namespace kascade
