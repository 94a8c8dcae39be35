// process/transforms/program.cc: TransformRunner — parse once, resolve every pointer once, run the steps, write the
// row.
#include "process/transforms/program.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "core/dead_letter.h"
#include "process/transforms/scalars.h"

namespace kascade::transforms {
namespace {

// After a record this large, the parser's buffers are released rather than kept (as UsersMapper does).
constexpr size_t kShrinkAboveBytes = 256 * 1024;

// The conversions a column type applies, looked up once (on first use: the
// function table is itself a function-local static).
Function function_named(const char* name) { return find_function(name)->function; }
bool to_uuid(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  static const Function f = function_named("uuid");
  return f(a, n, ctx, where, out);
}
bool to_timestamp(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  static const Function f = function_named("timestamp");
  return f(a, n, ctx, where, out);
}
bool to_text(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  static const Function f = function_named("text");
  return f(a, n, ctx, where, out);
}

bool allows(uint32_t allowed, char tag) {
  switch (tag) {
    case '"':
      return (allowed & (kString | kUuid | kTimestamp | kNumeric)) != 0;
    case 'l':
    case 'u':
      return (allowed & (kInteger | kReal | kNumeric)) != 0;
    case 'd':
      return (allowed & (kReal | kNumeric)) != 0;
    case 't':
    case 'f':
      return (allowed & kBoolean) != 0;
    case '{':
      return (allowed & kObject) != 0;
    case '[':
      return (allowed & kArray) != 0;
    case 'n':
      return (allowed & kNull) != 0;
    default:
      return false;
  }
}

// Each JSON kind a Field can have (its tag; 0: absent) as one bit: a type check
// precomputes the kinds that pass it outright (TypeRule), and most values are
// then judged with one AND.
constexpr char kTags[] = {0, '"', 'l', 'u', 'd', 't', 'f', '{', '[', 'n'};
constexpr std::array<uint16_t, 256> kTagBit = [] {
  std::array<uint16_t, 256> bits{};
  for (size_t i = 0; i < std::size(kTags); ++i) bits[static_cast<unsigned char>(kTags[i])] = uint16_t(1u << i);
  return bits;
}();

// The kind of value a column of `type` takes as it is (write_row converts
// others); null for uuid, whose text is always checked and lower-cased.
Val::Kind as_is_kind(ColumnType type) {
  switch (type) {
    case ColumnType::text:
      return Val::Kind::text;
    case ColumnType::int32:  // and within the int32 range
    case ColumnType::int64:
    case ColumnType::timestamp:
      return Val::Kind::integer;
    case ColumnType::float64:
      return Val::Kind::real;
    case ColumnType::uuid:
      return Val::Kind::null;
  }
  return Val::Kind::null;
}

}  // namespace

// The On-Demand parser of the fast path, with the padded copy of the record it
// reads, and the DOM parser of the fallback path.
struct TransformRunner::Parser {
  simdjson::ondemand::parser ondemand;
  std::unique_ptr<char[]> padded;
  size_t padded_capacity = 0;
  simdjson::dom::parser parser;
  // simdjson's stage 1 alone (in the CPU's best kernel), whose positions
  // PointerTrie::scan reads for records without a backslash.
  std::unique_ptr<simdjson::internal::dom_parser_implementation> indexer;
  size_t indexer_capacity = 0;

  // Runs stage 1 over `size` padded bytes: the positions of every structural
  // character and value start, and their count; nullptr if stage 1 rejects the
  // bytes (the DOM path then says why).
  uint32_t* index(const char* padded, size_t size, uint32_t& count) {
    if (indexer_capacity < size || !indexer) {
      const size_t capacity = std::max<size_t>(size, 4096);
      if (!indexer) {
        if (simdjson::get_active_implementation()->create_dom_parser_implementation(
                capacity, simdjson::DEFAULT_MAX_DEPTH, indexer) != simdjson::SUCCESS) {
          indexer.reset();
          return nullptr;
        }
      } else if (indexer->set_capacity(capacity) != simdjson::SUCCESS) {
        indexer.reset();
        indexer_capacity = 0;
        return nullptr;
      }
      indexer_capacity = capacity;
    }
    if (indexer->stage1(reinterpret_cast<const uint8_t*>(padded), size, simdjson::stage1_mode::regular) !=
        simdjson::SUCCESS) {
      return nullptr;
    }
    count = indexer->n_structural_indexes;
    return indexer->structural_indexes.get();
  }

  // The record's bytes followed by SIMDJSON_PADDING zero bytes.
  const char* pad(std::string_view value) {
    if (padded_capacity < value.size() + simdjson::SIMDJSON_PADDING) {
      padded_capacity = std::max<size_t>(value.size() + simdjson::SIMDJSON_PADDING, 4096);
      padded = std::make_unique<char[]>(padded_capacity);
    }
    if (!value.empty()) std::memcpy(padded.get(), value.data(), value.size());
    std::memset(padded.get() + value.size(), 0, simdjson::SIMDJSON_PADDING);
    return padded.get();
  }
};

TransformRunner::TransformRunner(std::shared_ptr<const TransformProgram> program, size_t max_record_bytes)
    : program_(std::move(program)), max_record_bytes_(max_record_bytes), parser_(std::make_unique<Parser>()) {
  columns_.resize(program_->schema.columns.size());
  // Conversion errors name the column's JSON pointer when it is read as is, else the column.
  for (const Column& column : program_->schema.columns) {
    column_where_.push_back(column.name);
    column_types_.push_back(column.type);
    as_is_kinds_.push_back(as_is_kind(column.type));
  }
  for (const MapStep::Target& target : program_->map.targets) {
    const auto pointer = target.value.bare_pointer();
    if (pointer) column_where_[target.column] = program_->pointers.pointer_of(*pointer);
    if (pointer) {
      bare_copies_.push_back({target.column, *pointer});
    } else {
      evaluated_targets_.push_back(&target);
    }
  }
  std::vector<bool> mapped(columns_.size(), false);
  for (const MapStep::Target& target : program_->map.targets) mapped[target.column] = true;
  for (uint32_t c = 0; c < columns_.size(); ++c) {
    if (!mapped[c]) unmapped_columns_.push_back(c);
  }
  type_rules_.resize(program_->checks.size());
  for (size_t i = 0; i < program_->checks.size(); ++i) {
    if (const auto* step = std::get_if<ValidateStep>(&program_->checks[i])) {
      for (const TypeCheck& check : step->types) type_rules_[i].push_back({check.slot, passing_tags(*step, check)});
    }
  }
  seen_.resize(program_->checks.size());
  latest_ms_.assign(program_->checks.size(), std::numeric_limits<int64_t>::min());
  ctx_.columns = columns_.data();
  ctx_.scratch = &scratch_;
  ctx_.parsed = &parsed_;
  ctx_.problem = &problem_;
}

TransformRunner::~TransformRunner() = default;

// A string allowed only as a format (uuid, timestamp, numeric) must have that
// format. What the text reads as is remembered: the map step's casts and the
// column conversions read the same texts again.
bool TransformRunner::check_format(uint32_t allowed, std::string_view pointer, std::string_view text) {
  using As = ParsedTexts::As;
  if ((allowed & kString) != 0) return true;
  if ((allowed & kUuid) != 0) {
    char* const id = scratch_.allocate(36);
    if (scalars::canonical_uuid(text, *reinterpret_cast<char(*)[36]>(id))) {
      parsed_.remember(text, As::uuid, Val::of_text(std::string_view(id, 36)));
      return true;
    }
    if ((allowed & (kTimestamp | kNumeric)) == 0) return problem_.bad_text(pointer, "not a UUID:", text), false;
  }
  if ((allowed & kTimestamp) != 0) {
    if (const auto ms = scalars::timestamp_ms(text)) {
      parsed_.remember(text, As::timestamp, Val::of_int(*ms));
      return true;
    }
    if ((allowed & kNumeric) == 0) return problem_.bad_text(pointer, "not an ISO-8601 timestamp:", text), false;
  }
  if (const auto number = scalars::decimal(text)) {
    parsed_.remember(text, As::number, Val::of_real(*number));
    return true;
  }
  problem_.bad_text(pointer, "not a number:", text);
  return false;
}

// The kinds of value that pass `check` with nothing more to look at: absent;
// null if null is allowed or the field is not required (a required field
// needs a value of the type); any other kind the check allows, but strings
// only if any string is (not just a format).
uint16_t TransformRunner::passing_tags(const ValidateStep& step, const TypeCheck& check) {
  const bool required = std::find(step.required.begin(), step.required.end(), check.slot) != step.required.end();
  uint16_t passing = kTagBit[0];
  for (const char tag : kTags) {
    bool passes = false;
    switch (tag) {
      case 0:
        passes = true;
        break;
      case 'n':
        passes = (check.allowed & kNull) != 0 || !required;
        break;
      case '"':
        passes = (check.allowed & kString) != 0;
        break;
      default:
        passes = allows(check.allowed, tag);
        break;
    }
    if (passes) passing |= kTagBit[static_cast<unsigned char>(tag)];
  }
  return passing;
}

// A type check in full, for the values passing_tags() cannot pass outright:
// strings that must have a format, and values that fail.
bool TransformRunner::check_type(const ValidateStep& step, const TypeCheck& check) {
  const PointerTrie& pointers = program_->pointers;
  const Field& value = fields_[check.slot];
  if (!value.present()) return true;
  // null passes unless the field is required (then it needs a value of the type).
  if (value.tag == 'n' && (check.allowed & kNull) == 0 &&
      std::find(step.required.begin(), step.required.end(), check.slot) == step.required.end()) {
    return true;
  }
  if (!allows(check.allowed, value.tag)) {
    problem_.wrong_type(pointers.pointer_of(check.slot), check.expected, json_fields::Slot::type_of_tag(value.tag));
    return false;
  }
  return value.tag != '"' || check_format(check.allowed, pointers.pointer_of(check.slot), value.value.text);
}

// Every check runs: a failing record's problem names each failing field ("<pointer>: <what>; ..."),
// each field once (a field of the wrong type is not judged again by its pattern, enum or range, nor
// are the fields inside it).
bool TransformRunner::validate(const ValidateStep& step, const std::vector<TypeRule>& rules) {
  const PointerTrie& pointers = program_->pointers;
  const Field* const fields = fields_.data();
  std::string failures;          // allocated only for a failing record
  std::vector<uint32_t> failed;  // the slots already named
  auto fail = [&](uint32_t slot) {
    if (!failures.empty()) failures += "; ";
    failures += problem_.message();
    problem_.clear();
    failed.push_back(slot);
  };
  // A field already named, or one inside it ("/name/first" once "/name" is not an object).
  auto named = [&](uint32_t slot) {
    if (failed.empty()) return false;  // a record that passes pays nothing more
    const std::string_view pointer = pointers.pointer_of(slot);
    return std::any_of(failed.begin(), failed.end(), [&](uint32_t f) {
      const std::string_view outer = pointers.pointer_of(f);
      return f == slot || (pointer.size() > outer.size() && pointer.substr(0, outer.size()) == outer &&
                           pointer[outer.size()] == '/');
    });
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    const char tag = fields[rules[i].slot].tag;
    if ((rules[i].passing & kTagBit[static_cast<unsigned char>(tag)]) != 0) continue;
    if (!named(step.types[i].slot) && !check_type(step, step.types[i])) fail(step.types[i].slot);
  }
  // After the types, so that "/name: expected an object" is said before "/name/first: missing".
  for (const uint32_t slot : step.required) {
    if (!fields_[slot].present() && !named(slot)) {
      problem_.missing(pointers.pointer_of(slot));
      fail(slot);
    }
  }
  for (const PatternCheck& check : step.patterns) {
    const Field& value = fields_[check.slot];
    if (value.tag != '"' || named(check.slot)) continue;
    const std::string_view text = value.value.text;
    if (!std::regex_search(text.begin(), text.end(), *check.regex)) {
      problem_.bad_text(pointers.pointer_of(check.slot), "does not match /" + check.pattern + "/:", text);
      fail(check.slot);
    }
  }
  for (const EnumCheck& check : step.enums) {
    const Field& value = fields_[check.slot];
    if (value.is_null() || named(check.slot)) continue;
    Val text;
    const Val raw = value.value;
    if (raw.kind == Val::Kind::object || raw.kind == Val::Kind::array) {
      problem_.wrong_type(pointers.pointer_of(check.slot), "one of " + check.listed,
                          json_fields::Slot::type_of_tag(value.tag));
      fail(check.slot);
      continue;
    }
    if (!to_text(&raw, 1, ctx_, pointers.pointer_of(check.slot), text)) {
      fail(check.slot);
      continue;
    }
    if (std::find(check.values.begin(), check.values.end(), text.text) == check.values.end()) {
      problem_.bad_text(pointers.pointer_of(check.slot), "not one of " + check.listed + ":", text.text);
      fail(check.slot);
    }
  }
  for (const RangeCheck& check : step.ranges) {
    const Field& value = fields_[check.slot];
    if (value.is_null() || named(check.slot)) continue;
    std::optional<double> number;
    switch (value.tag) {
      case 'l':
        number = static_cast<double>(value.value.integer);
        break;
      case 'u':  // held as a double already (Val::of_slot)
      case 'd':
        number = value.value.real;
        break;
      case '"': {
        const Val* read = parsed_.find(value.value.text, ParsedTexts::As::number);
        number = read ? std::optional<double>(read->real) : scalars::decimal(value.value.text);
        break;
      }
      default:
        break;
    }
    if (number && !(*number >= check.min && *number <= check.max)) {
      problem_.set(pointers.pointer_of(check.slot), "out of range");
      fail(check.slot);
    }
  }
  if (failures.empty()) return true;
  problem_.set_message(std::move(failures));
  return false;
}

bool TransformRunner::seen_recently(const DedupeStep& step, size_t index, int64_t time_ms) {
  Val key;
  if (!step.key.eval(ctx_, key)) return false;
  Val text;
  if (!key.is_null() && key.kind != Val::Kind::text) {
    if (!to_text(&key, 1, ctx_, "dedupe key", text)) return false;
    key = text;
  }
  if (key.is_null()) return false;  // records without a key are never duplicates
  auto& seen = seen_[index];
  const auto found = seen.find(std::string(key.text));
  if (found != seen.end() && time_ms - found->second < step.window_ms && time_ms >= found->second) return true;
  pending_keys_.emplace_back(index, std::string(key.text));
  return false;
}

std::optional<MappingFailure> TransformRunner::map(const ConsumedRecord& record, int64_t processed_at_ms,
                                                   RowBatch& rows) {
  const std::string_view value = record.value;
  if (value.size() > max_record_bytes_) {
    return MappingFailure{
        dead_letter_class::too_large,
        "record is " + std::to_string(value.size()) + " bytes, over the limit of " + std::to_string(max_record_bytes_)};
  }
  struct ShrinkAfter {
    TransformRunner& runner;
    size_t size;
    ~ShrinkAfter() {
      if (size > kShrinkAboveBytes) runner.parser_ = std::make_unique<Parser>();
    }
  } shrink{*this, value.size()};

  // One pass over the record: over stage 1's positions when it holds no
  // backslash (most records), else On-Demand. Anything the pass cannot vouch
  // for is parsed again with the DOM.
  bool walked = false;
  {
    const char* padded = parser_->pad(value);
    const std::string_view bytes(padded, value.size());
    if (std::memchr(value.data(), '\\', value.size()) == nullptr) {
      uint32_t count = 0;
      if (uint32_t* structurals = parser_->index(padded, value.size(), count)) {
        walked = program_->pointers.scan(structurals, count, bytes, fields_);
      }
    } else {
      simdjson::ondemand::document doc;
      if (parser_->ondemand.iterate(padded, value.size(), value.size() + simdjson::SIMDJSON_PADDING).get(doc) ==
          simdjson::SUCCESS) {
        walked = program_->pointers.walk(doc, bytes, fields_);
      }
    }
  }
  if (!walked) {
    ++dom_fallbacks_;
    if (auto failure = resolve_with_dom(value)) return failure;
  }
  scratch_.reset();
  parsed_.clear();
  problem_.clear();
  pending_keys_.clear();
  ctx_.fields = fields_.data();
  ctx_.record = &record;
  ctx_.now_ms = processed_at_ms;

  for (size_t i = 0; i < program_->checks.size(); ++i) {
    const auto& check = program_->checks[i];
    if (const auto* step = std::get_if<ValidateStep>(&check)) {
      if (!validate(*step, type_rules_[i])) return MappingFailure{dead_letter_class::validation, problem_.message()};
    } else if (const auto* filter = std::get_if<FilterStep>(&check)) {
      Val keep;
      if (!filter->condition.eval(ctx_, keep)) return MappingFailure{dead_letter_class::mapping, problem_.message()};
      if (!(keep.kind == Val::Kind::boolean && keep.boolean)) {
        ++dropped_;
        return std::nullopt;
      }
    } else {
      const auto& dedupe = std::get<DedupeStep>(check);
      const bool duplicate = seen_recently(dedupe, i, record.timestamp_ms);
      if (problem_.found()) return MappingFailure{dead_letter_class::mapping, problem_.message()};
      if (duplicate) {
        ++dropped_;
        return std::nullopt;
      }
    }
  }

  for (const uint32_t c : unmapped_columns_) columns_[c] = Val{};
  // What evaluating a bare pointer gives, without the evaluation.
  Val* const columns = columns_.data();
  const Field* const fields = fields_.data();
  for (const BareCopy& copy : bare_copies_) columns[copy.column] = fields[copy.slot].value;
  for (const MapStep::Target* target : evaluated_targets_) {
    if (!target->value.eval(ctx_, columns[target->column])) {
      return MappingFailure{dead_letter_class::mapping, problem_.message()};
    }
  }
  if (auto failure = write_row(rows)) return failure;
  for (auto& [index, key] : pending_keys_) {
    auto& seen = seen_[index];
    const int64_t window = std::get<DedupeStep>(program_->checks[index]).window_ms;
    seen[std::move(key)] = record.timestamp_ms;
    latest_ms_[index] = std::max(latest_ms_[index], record.timestamp_ms);
    // Forget keys older than the window, in sweeps, so memory follows the key rate.
    if (seen.size() > 4096 && seen.size() % 4096 == 0) {
      std::erase_if(seen, [&](const auto& entry) { return latest_ms_[index] - entry.second >= window; });
    }
  }
  return std::nullopt;
}

// Parses `value` with the DOM and resolves every pointer from its tape into fields_
// (views into the DOM parser's buffers, valid until the next record).
std::optional<MappingFailure> TransformRunner::resolve_with_dom(std::string_view value) {
  simdjson::dom::element parsed;
  if (const auto error = parser_->parser.parse(value.data(), value.size()).get(parsed); error != simdjson::SUCCESS) {
    return MappingFailure{dead_letter_class::parse, std::string("invalid JSON: ") + simdjson::error_message(error)};
  }
  const json_fields::Doc doc = json_fields::Doc::of(parser_->parser);
  if (json_fields::root_of(doc).tag() != '{') {
    return MappingFailure{dead_letter_class::validation, std::string("(root): expected an object, got ") +
                                                             json_fields::kind_name(json_fields::root_of(doc).type())};
  }
  program_->pointers.resolve(doc, slots_);
  fields_.resize(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    const json_fields::Slot slot{slots_[i], &doc};
    fields_[i] = slot.present() ? Field{slot.tag(), Val::of_slot(slot)} : Field{};
  }
  return std::nullopt;
}

// Converts a column's value (not null) to the column's type, in place; false
// with problem_ set if it cannot. Texts validate read already as a UUID or a
// timestamp are taken as read (parsed_).
bool TransformRunner::convert_column(size_t c, Val& v) {
  const ColumnType type = column_types_[c];
  const std::string& name = column_where_[c];
  auto fail = [&](std::string what) {
    problem_.set(name, what);
    return false;
  };
  switch (type) {
    case ColumnType::text:
      if (v.kind != Val::Kind::text) return fail(std::string("expected a string, got ") + kind_name(v));
      return true;
    case ColumnType::uuid: {
      if (v.kind != Val::Kind::text) return fail(std::string("expected a UUID string, got ") + kind_name(v));
      if (const Val* read = parsed_.find(v.text, ParsedTexts::As::uuid)) {
        v = *read;
        return true;
      }
      const Val text = v;
      return to_uuid(&text, 1, ctx_, name, v);
    }
    case ColumnType::int32:
    case ColumnType::int64:
      if (v.kind != Val::Kind::integer) return fail(std::string("expected an integer, got ") + kind_name(v));
      if (type == ColumnType::int32 &&
          (v.integer < std::numeric_limits<int32_t>::min() || v.integer > std::numeric_limits<int32_t>::max())) {
        return fail("integer out of the int32 range");
      }
      return true;
    case ColumnType::float64:
      if (v.kind == Val::Kind::integer) v = Val::of_real(static_cast<double>(v.integer));
      if (v.kind != Val::Kind::real) return fail(std::string("expected a number, got ") + kind_name(v));
      return true;
    case ColumnType::timestamp: {
      if (v.kind == Val::Kind::integer) return true;
      if (v.kind != Val::Kind::text) return fail(std::string("expected a timestamp, got ") + kind_name(v));
      if (const Val* read = parsed_.find(v.text, ParsedTexts::As::timestamp)) {
        v = *read;
        return true;
      }
      const Val text = v;
      return to_timestamp(&text, 1, ctx_, name, v);
    }
  }
  return true;
}

// Converts each column's value to its column type, then writes the row in one go.
std::optional<MappingFailure> TransformRunner::write_row(RowBatch& rows) {
  // Read through locals: the row's text is written through char pointers,
  // which may alias anything, and members would be loaded again per column.
  Val* const values = columns_.data();
  const ColumnType* const types = column_types_.data();
  const Val::Kind* const as_is_kinds = as_is_kinds_.data();
  const size_t count = columns_.size();
  size_t text_bytes = 0;
  for (size_t c = 0; c < count; ++c) {
    Val& v = values[c];
    if (v.is_null()) continue;
    // Most values are already what their column holds: text for text, an
    // integer for an integer or a timestamp, a real for a double.
    const bool as_is = v.kind == as_is_kinds[c] &&
                       (types[c] != ColumnType::int32 || (v.integer >= std::numeric_limits<int32_t>::min() &&
                                                          v.integer <= std::numeric_limits<int32_t>::max()));
    if (!as_is && !convert_column(c, v)) return MappingFailure{dead_letter_class::mapping, problem_.message()};
    if (v.kind == Val::Kind::text) text_bytes += v.text.size();
  }
  RowWriter row(rows, text_bytes);
  for (size_t c = 0; c < count; ++c) {
    const Val& v = values[c];
    switch (v.kind) {
      case Val::Kind::text:
        row.text(c, v.text);
        break;
      case Val::Kind::integer:
        row.integer(c, v.integer);
        break;
      case Val::Kind::real:
        row.real(c, v.real);
        break;
      default:
        row.null(c);
        break;
    }
  }
  return std::nullopt;
}

}  // namespace kascade::transforms
