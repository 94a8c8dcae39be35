// process/windows/window_row_reader.cc: field binding and per-row extraction.
#include "process/windows/window_row_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "process/windows/group_key.h"

namespace kascade {
namespace {

// Event times beyond this are refused: window arithmetic stays far from overflow.
constexpr int64_t kMaxEventMagnitude = int64_t{1} << 60;

bool is_numeric(ColumnType type) {
  return type == ColumnType::int32 || type == ColumnType::int64 || type == ColumnType::float64 ||
         type == ColumnType::timestamp;
}

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

Result<WindowRowReader> WindowRowReader::bind(const WindowPlan& plan, const TableSchema& input) {
  auto resolve = [&](const std::string& field) -> Result<FieldRef> {
    FieldRef ref;
    if (is_header_field(field)) {
      ref.header = std::string(header_name(field));
      ref.name = field;
      return ref;
    }
    ref.name = field;
    ref.column = input.column_index(field);
    if (ref.column < 0) {
      return Error::make(Errc::config, fmt::format("windows: '{}' is not a column of table '{}'", field, input.name));
    }
    ref.type = input.columns[static_cast<size_t>(ref.column)].type;
    return ref;
  };
  WindowRowReader reader;
  reader.missing_policy_ = plan.missing_group;
  reader.null_group_label_ = plan.null_group_label;
  auto event_time = resolve(plan.event_time);
  if (!event_time) return event_time.error();
  reader.event_time_ = *event_time;
  for (const std::string& field : plan.group_by) {
    auto ref = resolve(field);
    if (!ref) return ref.error();
    reader.group_by_.push_back(*ref);
  }
  for (const AggregateSpec& spec : plan.aggregates) {
    AggregateRef ref;
    ref.all_records = spec.field.empty();
    ref.numeric = spec.kind == AggregateKind::sum || spec.kind == AggregateKind::min ||
                  spec.kind == AggregateKind::max || spec.kind == AggregateKind::avg;
    if (!ref.all_records) {
      auto field = resolve(spec.field);
      if (!field) return field.error();
      ref.field = *field;
      const bool header = ref.field.column < 0;
      const ColumnType type = header ? ColumnType::text : input.columns[static_cast<size_t>(ref.field.column)].type;
      if (ref.numeric && !header && !is_numeric(type)) {
        return Error::make(Errc::config,
                           fmt::format("windows: {}({}) needs a numeric column, '{}' is {}",
                                       aggregate_kind_name(spec.kind), spec.field, spec.field, column_type_name(type)));
      }
      if (spec.has_filter) {
        ref.equals = spec.equals;
        if (!header && type != ColumnType::text && type != ColumnType::uuid) {
          ref.equals_integer = parse_integer(spec.equals);
          if (!ref.equals_integer || type == ColumnType::float64) {
            return Error::make(Errc::config, fmt::format("windows: count({}={}): compare a text or integer column",
                                                         spec.field, spec.equals));
          }
        }
      }
    }
    reader.aggregates_.push_back(std::move(ref));
  }
  reader.inputs_.resize(reader.aggregates_.size());
  reader.scratch_.resize(reader.aggregates_.size());
  return reader;
}

std::optional<std::string_view> WindowRowReader::header_of(const ConsumedRecord& record, const FieldRef& field) const {
  return record.header(field.header);
}

bool WindowRowReader::read(const ConsumedRecord& record, const RowBatch& rows, size_t row) {
  // Event time.
  std::optional<int64_t> event;
  if (event_time_.column >= 0) {
    const Value& v = rows.get(row, static_cast<size_t>(event_time_.column));
    if (v.kind == Value::Kind::integer) event = v.as.integer;
  } else if (const auto text = header_of(record, event_time_)) {
    event = parse_integer(*text);
  }
  if (!event || *event > kMaxEventMagnitude || *event < -kMaxEventMagnitude) return false;
  event_ms_ = *event;

  // Group key.
  key_.clear();
  missing_group_ = {};
  for (const FieldRef& field : group_by_) {
    if (field.column < 0) {
      const auto text = header_of(record, field);
      text ? group_key::append_text(key_, *text) : append_missing(field);
      continue;
    }
    const Value& v = rows.get(row, static_cast<size_t>(field.column));
    const bool textual = field.type == ColumnType::text || field.type == ColumnType::uuid;
    const bool real = field.type == ColumnType::float64;
    switch (v.kind) {
      case Value::Kind::null:
        append_missing(field);
        break;
      case Value::Kind::integer:
        textual || real ? append_missing(field) : group_key::append_integer(key_, v.as.integer);
        break;
      case Value::Kind::real:
        real ? group_key::append_real(key_, v.as.real) : append_missing(field);
        break;
      case Value::Kind::text:
        textual ? group_key::append_text(key_, rows.text(v)) : append_missing(field);
        break;
    }
  }

  for (size_t a = 0; a < aggregates_.size(); ++a) read_aggregate(a, record, rows, row);
  return true;
}

void WindowRowReader::append_missing(const FieldRef& field) {
  // Key columns of the stores cannot hold NULL: a text group's null group is
  // the label; a number or a uuid has no value to spare, so such a record is
  // not counted (a dead letter of class window).
  if (missing_policy_ == MissingGroupPolicy::null_group && field.type == ColumnType::text) {
    group_key::append_text(key_, null_group_label_);
    return;
  }
  if (missing_group_.empty()) missing_group_ = field.name;
  group_key::append_null(key_);
}

void WindowRowReader::read_aggregate(size_t index, const ConsumedRecord& record, const RowBatch& rows, size_t row) {
  const AggregateRef& ref = aggregates_[index];
  AggregateInput& in = inputs_[index];
  in = AggregateInput{};
  if (ref.all_records) {
    in.present = true;
    return;
  }
  if (ref.field.column < 0) {
    const auto text = header_of(record, ref.field);
    if (!text) return;
    if (ref.equals) {
      in.present = *text == *ref.equals;
    } else if (ref.numeric) {
      const auto number = parse_number(*text);
      in.present = number.has_value();
      in.number = number.value_or(0);
    } else {
      in.present = true;
      in.text = *text;
    }
    return;
  }
  const Value& v = rows.get(row, static_cast<size_t>(ref.field.column));
  switch (v.kind) {
    case Value::Kind::null:
      return;
    case Value::Kind::text:
      in.present = !ref.equals || rows.text(v) == *ref.equals;
      in.text = rows.text(v);
      return;
    case Value::Kind::integer:
      if (ref.equals) {
        in.present = ref.equals_integer && v.as.integer == *ref.equals_integer;
        return;
      }
      in.present = true;
      in.number = static_cast<double>(v.as.integer);
      std::memcpy(scratch_[index].data(), &v.as.integer, 8);
      in.text = std::string_view(scratch_[index].data(), 8);
      return;
    case Value::Kind::real:
      in.present = !ref.equals;
      in.number = v.as.real;
      std::memcpy(scratch_[index].data(), &v.as.real, 8);
      in.text = std::string_view(scratch_[index].data(), 8);
      return;
  }
}

}  // namespace kascade
