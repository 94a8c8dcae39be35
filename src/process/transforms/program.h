// process/transforms/program.h: a compiled pipeline spec (validate, filter, dedupe, map) and the runner that applies
// it.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/dead_letter.h"
#include "core/record.h"
#include "core/row.h"
#include "process/transforms/expression.h"
#include "process/transforms/pointer_trie.h"

namespace kascade::transforms {

// Kinds a validate `types` entry may allow; formats are strings with a shape.
enum TypeBit : uint32_t {
  kString = 1,
  kInteger = 2,
  kReal = 4,
  kBoolean = 8,
  kObject = 16,
  kArray = 32,
  kNull = 64,
  kUuid = 128,       // a string holding a UUID
  kTimestamp = 256,  // a string holding an ISO-8601 timestamp
  kNumeric = 512,    // a number, or a string holding a decimal number
};

struct TypeCheck {
  uint32_t slot = 0;
  uint32_t allowed = 0;  // TypeBit mask
  std::string expected;  // "a string or a number", for messages
};
struct PatternCheck {
  uint32_t slot = 0;
  std::string pattern;
  std::shared_ptr<const std::regex> regex;
};
struct EnumCheck {
  uint32_t slot = 0;
  std::vector<std::string> values;
  std::string listed;  // "a, b, c", for messages
};
struct RangeCheck {
  uint32_t slot = 0;
  double min = 0;
  double max = 0;
};

// validate: every failure is a `validation` dead letter naming the JSON pointer.
// Checked in this order: types, required, patterns, enums, ranges.
struct ValidateStep {
  std::vector<uint32_t> required;  // slots
  std::vector<TypeCheck> types;
  std::vector<PatternCheck> patterns;
  std::vector<EnumCheck> enums;
  std::vector<RangeCheck> ranges;
};
// filter: records for which the condition is not true are dropped (not dead-lettered).
struct FilterStep {
  Expression condition;
};
// dedupe: a record whose key was landed less than window_ms earlier (by record time) is dropped.
struct DedupeStep {
  Expression key;
  int64_t window_ms = 0;
};
// map: one expression per column, evaluated in order; a failure is a `mapping` dead letter.
struct MapStep {
  struct Target {
    uint32_t column = 0;
    Expression value;
  };
  std::vector<Target> targets;
};

// Everything a runner needs; immutable once compiled, shared by runners.
struct TransformProgram {
  TableSchema schema;
  PointerTrie pointers;
  std::vector<std::variant<ValidateStep, FilterStep, DedupeStep>> checks;  // in spec order, before the map
  MapStep map;
};

// Applies a program to records, one at a time. Owns a parser and buffers:
// one runner per processor thread (like UsersMapper, whose interface it shares).
class TransformRunner {
 public:
  TransformRunner(std::shared_ptr<const TransformProgram> program, size_t max_record_bytes);
  ~TransformRunner();
  TransformRunner(const TransformRunner&) = delete;
  TransformRunner& operator=(const TransformRunner&) = delete;

  // Appends one row to `rows`, drops the record (filter, dedupe: nothing
  // appended) or says why it failed (leaving `rows` as it was).
  std::optional<MappingFailure> map(const ConsumedRecord& record, int64_t processed_at_ms, RowBatch& rows);

  // Records dropped so far by filter and dedupe steps.
  uint64_t dropped() const { return dropped_; }
  // Records the On-Demand walk could not vouch for (PointerTrie::walk), which
  // took the DOM path instead: invalid JSON, escaped keys, ...
  uint64_t dom_fallbacks() const { return dom_fallbacks_; }

 private:
  struct Parser;
  std::optional<MappingFailure> resolve_with_dom(std::string_view value);
  // Per type check of a validate step: the tags of the values that pass it
  // outright (passing_tags()), so that validate() looks at most values once.
  struct TypeRule {
    uint32_t slot = 0;
    uint16_t passing = 0;  // bits of kTagBit (program.cc)
  };
  static uint16_t passing_tags(const ValidateStep& step, const TypeCheck& check);
  bool check_type(const ValidateStep& step, const TypeCheck& check);
  bool check_format(uint32_t allowed, std::string_view pointer, std::string_view text);
  bool validate(const ValidateStep& step, const std::vector<TypeRule>& rules);
  bool convert_column(size_t c, Val& v);
  std::optional<MappingFailure> write_row(RowBatch& rows);
  bool seen_recently(const DedupeStep& step, size_t index, int64_t time_ms);

  std::shared_ptr<const TransformProgram> program_;
  size_t max_record_bytes_;
  std::unique_ptr<Parser> parser_;
  std::vector<const uint64_t*> slots_;  // the DOM path's tape words, turned into fields_
  std::vector<Field> fields_;           // the value of each pointer of the program, by trie node
  std::vector<Val> columns_;
  // The map targets that are a bare pointer (most columns): the field's value
  // is copied to the column without evaluating; and the other targets, in map
  // order. The copies are made first: an expression reads only columns mapped
  // earlier, and no column has two targets (the loader refuses it), so this
  // gives what the targets in map order give.
  struct BareCopy {
    uint32_t column = 0;
    uint32_t slot = 0;
  };
  std::vector<BareCopy> bare_copies_;
  std::vector<const MapStep::Target*> evaluated_targets_;
  std::vector<std::vector<TypeRule>> type_rules_;  // per check (empty but for validate steps)
  // The columns no map target writes: null in every row. (Every other column
  // is written by its target before anything reads it: an expression names
  // only columns mapped earlier.)
  std::vector<uint32_t> unmapped_columns_;
  std::vector<std::string> column_where_;  // names each column in conversion errors
  std::vector<ColumnType> column_types_;   // the schema's, in one array
  std::vector<Val::Kind> as_is_kinds_;     // per column: the kind it takes without conversion
  Scratch scratch_;
  ParsedTexts parsed_;  // what validate read texts as, for the casts after it
  json_fields::Problem problem_;
  EvalContext ctx_;
  uint64_t dropped_ = 0;
  uint64_t dom_fallbacks_ = 0;
  // dedupe: per dedupe step, key -> record time it was last landed.
  std::vector<std::unordered_map<std::string, int64_t>> seen_;
  std::vector<int64_t> latest_ms_;
  std::vector<std::pair<size_t, std::string>> pending_keys_;  // noted once the row is written
  int64_t record_time_ = 0;
};

}  // namespace kascade::transforms
