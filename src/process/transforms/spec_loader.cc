// process/transforms/spec_loader.cc: YAML pipeline spec -> TransformProgram, every problem named by file, line and key.
#include "process/transforms/spec_loader.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>

#include "config/config_file.h"
#include "config/config_yaml.h"
#include "process/transforms/flagship_config.h"

namespace kascade {
namespace {

using namespace transforms;

constexpr std::string_view kSteps[] = {"parse", "validate", "filter", "dedupe", "map"};
constexpr std::string_view kTableKeys[] = {"name", "primary_key", "columns"};
constexpr std::string_view kValidateKeys[] = {"required", "types", "patterns", "enums", "ranges"};
constexpr std::string_view kDedupeKeys[] = {"key", "window_ms"};
constexpr std::string_view kTypeNames[] = {"string", "integer", "number", "boolean",   "object",
                                           "array",  "null",    "uuid",   "timestamp", "numeric"};
constexpr std::string_view kColumnTypes[] = {"text", "int", "bigint", "double", "timestamp", "uuid"};

// Collects problems; each names where in the file, and the key path.
class Problems {
 public:
  explicit Problems(std::string origin) : origin_(std::move(origin)) {}
  void add(const YAML::Node& at, const std::string& path, const std::string& what) {
    const YAML::Mark mark = at.Mark();
    const std::string where =
        mark.line < 0 ? origin_ : fmt::format("{}:{}:{}", origin_, mark.line + 1, mark.column + 1);
    messages_.push_back(fmt::format("{}: {}: {}", where, cut_for_message(path), cut_for_message(what, 400)));
  }
  std::vector<std::string>& messages() { return messages_; }

 private:
  std::string origin_;
  std::vector<std::string> messages_;
};

std::string unknown(std::string_view kind, std::string_view name, std::span<const std::string_view> known) {
  const std::string suggestion = closest_name(name, known);
  if (suggestion.empty())
    return fmt::format("unknown {} '{}' (expected one of: {})", kind, name, fmt::join(known, ", "));
  return fmt::format("unknown {} '{}' (did you mean '{}'?)", kind, name, suggestion);
}

// Reports keys of `map` that are not in `known`; true if all are known.
bool only_keys(const YAML::Node& map, const std::string& path, std::span<const std::string_view> known,
               Problems& problems) {
  bool ok = true;
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      problems.add(entry.first, path + "." + key, unknown("key", key, known));
      ok = false;
    }
  }
  return ok;
}

std::optional<ColumnType> column_type(std::string_view name) {
  for (const ColumnType t : {ColumnType::text, ColumnType::int32, ColumnType::int64, ColumnType::float64,
                             ColumnType::timestamp, ColumnType::uuid}) {
    if (name == column_type_name(t)) return t;
  }
  return std::nullopt;
}

void load_table(const YAML::Node& node, TableSchema& schema, Problems& problems) {
  if (!node.IsMap()) return problems.add(node, "table", "expected a mapping with name, primary_key and columns");
  only_keys(node, "table", kTableKeys, problems);
  if (!node["name"] || !node["name"].IsScalar() || node["name"].Scalar().empty()) {
    problems.add(node, "table.name", "missing: the table's name");
  } else {
    schema.name = node["name"].Scalar();
  }
  const YAML::Node columns = node["columns"];
  if (!columns || !columns.IsMap() || columns.size() == 0) {
    problems.add(columns ? columns : node, "table.columns", "expected a mapping of column names to types");
  } else {
    for (const auto& entry : columns) {
      const std::string name = entry.first.Scalar();
      const std::string path = "table.columns." + name;
      if (!entry.second.IsScalar()) {
        problems.add(entry.second, path, "expected a column type");
        continue;
      }
      if (schema.column_index(name) >= 0) problems.add(entry.first, path, "column declared twice");
      const auto type = column_type(entry.second.Scalar());
      if (!type) problems.add(entry.second, path, unknown("column type", entry.second.Scalar(), kColumnTypes));
      schema.columns.push_back(Column{name, type.value_or(ColumnType::text)});
    }
  }
  const YAML::Node key = node["primary_key"];
  if (!key) {
    problems.add(node, "table.primary_key", "missing: the column(s) rows are upserted by");
  } else if (key.IsScalar()) {
    schema.primary_key = {key.Scalar()};
  } else if (key.IsSequence() && key.size() > 0) {
    for (const auto& column : key) schema.primary_key.push_back(column.Scalar());
  } else {
    problems.add(key, "table.primary_key", "expected a column name or a list of them");
  }
  for (const std::string& column : schema.primary_key) {
    if (schema.column_index(column) < 0 && !schema.columns.empty()) {
      problems.add(key, "table.primary_key", fmt::format("'{}' is not a column of the table", column));
    }
  }
}

// A JSON pointer key of a validate section -> its slot.
std::optional<uint32_t> pointer_slot(const YAML::Node& key, const std::string& path, TransformProgram& program,
                                     Problems& problems) {
  std::string error;
  const auto slot = program.pointers.add(key.Scalar(), error);
  if (!slot) problems.add(key, path, fmt::format("bad JSON pointer '{}': {}", key.Scalar(), error));
  return slot;
}

// A YAML scalar as a number; false if it is not one. (A plain double, not an optional: GCC 12
// warns about optional<double> here.)
bool number_into(const YAML::Node& node, double& out) {
  if (!node || !node.IsScalar()) return false;
  const std::string& text = node.Scalar();
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

ValidateStep load_validate(const YAML::Node& node, const std::string& path, TransformProgram& program,
                           Problems& problems) {
  ValidateStep step;
  if (!node.IsMap()) {
    problems.add(node, path, "expected a mapping of required, types, patterns, enums, ranges");
    return step;
  }
  only_keys(node, path, kValidateKeys, problems);
  if (const YAML::Node required = node["required"]) {
    if (!required.IsSequence()) problems.add(required, path + ".required", "expected a list of JSON pointers");
    for (const auto& pointer : required) {
      if (auto slot = pointer_slot(pointer, path + ".required", program, problems)) step.required.push_back(*slot);
    }
  }
  auto each = [&](const char* section, auto&& load) {
    const YAML::Node entries = node[section];
    if (!entries) return;
    if (!entries.IsMap())
      return problems.add(entries, path + "." + section, "expected a mapping of JSON pointer: rule");
    for (const auto& entry : entries) {
      const std::string at = path + "." + section + "." + entry.first.Scalar();
      if (auto slot = pointer_slot(entry.first, at, program, problems)) load(*slot, entry.second, at);
    }
  };
  each("types", [&](uint32_t slot, const YAML::Node& value, const std::string& at) {
    TypeCheck check{.slot = slot};
    std::vector<std::string> phrases;
    const std::vector<YAML::Node> names =
        value.IsSequence() ? std::vector<YAML::Node>(value.begin(), value.end()) : std::vector<YAML::Node>{value};
    for (const YAML::Node& name : names) {
      const std::string type = name.IsNull() ? "null" : name.IsScalar() ? name.Scalar() : "";  // YAML reads null
      static constexpr uint32_t kBits[] = {kString, kInteger, kInteger | kReal, kBoolean, kObject, kArray,
                                           kNull,   kUuid,    kTimestamp,       kNumeric};
      static constexpr std::string_view kPhrases[] = {
          "a string", "an integer", "a number", "a boolean", "an object",
          "an array", "null",       "a string", "a string",  "a number or a numeric string"};
      const auto found = std::find(std::begin(kTypeNames), std::end(kTypeNames), type);
      if (found == std::end(kTypeNames)) {
        problems.add(name, at, unknown("type", type, kTypeNames));
        continue;
      }
      const size_t i = static_cast<size_t>(found - std::begin(kTypeNames));
      check.allowed |= kBits[i];
      if (std::find(phrases.begin(), phrases.end(), kPhrases[i]) == phrases.end()) phrases.emplace_back(kPhrases[i]);
    }
    check.expected = fmt::format("{}", fmt::join(phrases, " or "));
    step.types.push_back(std::move(check));
  });
  each("patterns", [&](uint32_t slot, const YAML::Node& value, const std::string& at) {
    if (!value.IsScalar()) return problems.add(value, at, "expected a regular expression");
    try {
      step.patterns.push_back(PatternCheck{slot, value.Scalar(), std::make_shared<const std::regex>(value.Scalar())});
    } catch (const std::regex_error& e) {
      problems.add(value, at, fmt::format("bad regular expression '{}': {}", value.Scalar(), e.what()));
    }
  });
  each("enums", [&](uint32_t slot, const YAML::Node& value, const std::string& at) {
    if (!value.IsSequence() || value.size() == 0) return problems.add(value, at, "expected a list of allowed values");
    EnumCheck check{.slot = slot};
    for (const auto& v : value) check.values.push_back(v.Scalar());
    check.listed = fmt::format("{}", fmt::join(check.values, ", "));
    step.enums.push_back(std::move(check));
  });
  each("ranges", [&](uint32_t slot, const YAML::Node& value, const std::string& at) {
    double min = 0, max = 0;
    if (!value.IsSequence() || value.size() != 2 || !number_into(value[0], min) || !number_into(value[1], max) ||
        min > max) {
      return problems.add(value, at, "expected [min, max], two numbers, min <= max");
    }
    step.ranges.push_back(RangeCheck{slot, min, max});
  });
  return step;
}

// Column names are values only inside map (and only once mapped).
std::optional<uint32_t> no_columns(std::string_view name, std::string& error) {
  error = fmt::format("unknown name '{}' (a JSON pointer starts with '/'; a function needs '(...)')", name);
  return std::nullopt;
}

std::optional<Expression> expression_of(const YAML::Node& node, const std::string& path, TransformProgram& program,
                                        const ColumnResolver& columns, Problems& problems) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    problems.add(node, path, "expected an expression (a JSON pointer, a literal or a function call)");
    return std::nullopt;
  }
  std::string error;
  auto expression = compile_expression(node.Scalar(), program.pointers, columns, error);
  if (!expression) problems.add(node, path, error);
  return expression;
}

void load_map(const YAML::Node& node, const std::string& path, TransformProgram& program, Problems& problems) {
  if (!node.IsMap() || node.size() == 0) return problems.add(node, path, "expected a mapping of column: expression");
  const TableSchema& schema = program.schema;
  std::vector<std::string_view> column_names;
  for (const Column& column : schema.columns) column_names.push_back(column.name);
  std::vector<bool> mapped(schema.columns.size(), false);
  for (const auto& entry : node) {
    const std::string column = entry.first.Scalar();
    const std::string at = path + "." + column;
    const int index = schema.column_index(column);
    if (index < 0) {
      problems.add(entry.first, at,
                   unknown("column", column, column_names) + fmt::format(" of table '{}'", schema.name));
      continue;
    }
    if (mapped[static_cast<size_t>(index)]) {
      problems.add(entry.first, at, "column mapped twice");
      continue;
    }
    const ColumnResolver earlier = [&](std::string_view name, std::string& error) -> std::optional<uint32_t> {
      const int used = schema.column_index(name);
      if (used >= 0 && mapped[static_cast<size_t>(used)]) return static_cast<uint32_t>(used);
      error = used >= 0 ? fmt::format("column '{}' is used before it is mapped (map it earlier)", name)
                        : fmt::format(
                              "unknown name '{}' (a JSON pointer starts with '/'; a column must be mapped "
                              "earlier; a function needs '(...)')",
                              name);
      return std::nullopt;
    };
    if (auto value = expression_of(entry.second, at, program, earlier, problems)) {
      program.map.targets.push_back(MapStep::Target{static_cast<uint32_t>(index), std::move(*value)});
    }
    mapped[static_cast<size_t>(index)] = true;
  }
  for (const std::string& key : schema.primary_key) {
    const int index = schema.column_index(key);
    if (index >= 0 && !mapped[static_cast<size_t>(index)]) {
      problems.add(node, path, fmt::format("primary key column '{}' is not mapped", key));
    }
  }
}

void load_transforms(const YAML::Node& list, TransformProgram& program, Problems& problems) {
  if (!list.IsSequence() || list.size() == 0) {
    return problems.add(list, "transforms", "expected a list of steps: parse, then validate/filter/dedupe, then map");
  }
  bool mapped = false;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    std::string path = fmt::format("transforms[{}]", i);
    if (!item.IsMap() || item.size() != 1) {
      problems.add(item, path, "expected one step, e.g. '- map: {...}'");
      continue;
    }
    const YAML::Node name = item.begin()->first;
    const YAML::Node body = item.begin()->second;
    const std::string& step = name.Scalar();
    path += "." + step;
    if (std::find(std::begin(kSteps), std::end(kSteps), step) == std::end(kSteps)) {
      problems.add(name, path, unknown("transform", step, kSteps));
      continue;
    }
    if (step == "parse") {
      if (!body.IsScalar() || body.Scalar() != "json") problems.add(body, path, "the only format is 'json'");
      if (i != 0) problems.add(name, path, "parse must be the first step");
      continue;
    }
    if (i == 0) problems.add(name, path, "the first step must be 'parse: json'");
    if (mapped) problems.add(name, path, "map must be the last step");
    if (step == "validate") {
      program.checks.emplace_back(load_validate(body, path, program, problems));
    } else if (step == "filter") {
      if (auto condition = expression_of(body, path, program, no_columns, problems)) {
        program.checks.emplace_back(FilterStep{std::move(*condition)});
      }
    } else if (step == "dedupe") {
      if (!body.IsMap()) {
        problems.add(body, path, "expected a mapping with key and window_ms");
        continue;
      }
      only_keys(body, path, kDedupeKeys, problems);
      double window = 0;
      const bool window_ok = number_into(body["window_ms"], window) && window > 0 && window < 9e18 &&
                             window == static_cast<double>(static_cast<int64_t>(window));
      if (!window_ok) {
        problems.add(body["window_ms"] ? body["window_ms"] : body, path + ".window_ms",
                     "expected a positive integer (ms)");
      }
      auto key = body["key"] ? expression_of(body["key"], path + ".key", program, no_columns, problems) : std::nullopt;
      if (!body["key"]) problems.add(body, path + ".key", "missing: the expression records are deduplicated by");
      if (key && window_ok) program.checks.emplace_back(DedupeStep{std::move(*key), static_cast<int64_t>(window)});
    } else {
      if (mapped) problems.add(name, path, "only one map step");
      load_map(body, path, program, problems);
      mapped = true;
    }
  }
  if (!mapped) problems.add(list, "transforms", "a map step (column: expression) must end the list");
}

// Compiles the spec of `root`; nullptr (and no problem) if it has no transforms.
std::shared_ptr<TransformProgram> compile(const YAML::Node& root, Problems& problems) {
  if (!root.IsMap()) return nullptr;
  const YAML::Node table = root["table"];
  const YAML::Node steps = root["transforms"];
  if (!table && !steps) return nullptr;
  auto program = std::make_shared<TransformProgram>();
  if (!table) {
    problems.add(steps, "table", "missing: transforms need the table they map into (name, primary_key, columns)");
    return nullptr;
  }
  load_table(table, program->schema, problems);
  if (!steps) {
    problems.add(table, "transforms", "missing: a table needs the transforms that fill it");
    return nullptr;
  }
  load_transforms(steps, *program, problems);
  return program;
}

std::vector<std::string> compile_text(const std::string& text, const std::string& origin,
                                      std::shared_ptr<TransformProgram>& program) {
  Problems problems(origin);
  auto root = parse_config_yaml(text, origin);  // one document, no key twice
  if (!root) {
    problems.messages().push_back(root.error().message);
    return std::move(problems.messages());
  }
  program = compile(*root, problems);
  return std::move(problems.messages());
}

}  // namespace

std::vector<std::string> check_pipeline_spec_text(const std::string& text, const std::string& origin) {
  std::shared_ptr<TransformProgram> program;
  return compile_text(text, origin, program);
}

Result<PipelineProgram> load_pipeline_spec_text(const std::string& text, const std::string& origin) {
  std::shared_ptr<TransformProgram> program;
  const auto problems = compile_text(text, origin, program);
  if (!problems.empty()) return Error::make(Errc::config, fmt::format("{}", fmt::join(problems, "\n")));
  return PipelineProgram(std::move(program));
}

Result<PipelineProgram> load_pipeline_spec_file(const std::filesystem::path& file) {
  auto text = read_config_file(file);
  if (!text) return text.status();
  return load_pipeline_spec_text(*text, file.string());
}

Result<PipelineProgram> flagship_program() {
  // Compiled on first use; the embedded text cannot change while the process runs.
  static const Result<PipelineProgram> kProgram = [] {
    auto program = load_pipeline_spec_text(std::string(flagship_config_text()), std::string(kFlagshipConfigOrigin));
    if (program && !*program) {
      return Result<PipelineProgram>(
          Error::make(Errc::config,
                      fmt::format("{}: the embedded flagship config has no table/transforms", kFlagshipConfigOrigin)));
    }
    return program;
  }();
  return kProgram;
}

Result<PipelineProgram> load_pipeline_program(const std::filesystem::path& config_file) {
  if (config_file.empty()) return flagship_program();
  auto program = load_pipeline_spec_file(config_file);
  if (program && !*program) return flagship_program();
  return program;
}

}  // namespace kascade
