// process/transforms/expression.h: expressions over a record's fields (map values, filters, dedupe keys), compiled
// once.
//
// Grammar (whitespace between tokens is ignored):
//   expr    := or ;  or := and ('or' and)* ;  and := not ('and' not)* ;  not := 'not' not | compare
//   compare := primary (('==' | '!=' | '<' | '<=' | '>' | '>=') primary)?
//   primary := /json/pointer | "text" | 'text' | -12 | 3.5 | true | false | null
//            | function(expr, ...) | column_name | '(' expr ')'
// A pointer runs until whitespace, ',' or ')'. A bare name is a column mapped earlier in
// the same map. Functions are listed in functions.cc (function_table()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/record.h"
#include "process/transforms/json_fields.h"
#include "process/transforms/pointer_trie.h"
#include "process/transforms/value.h"

namespace kascade::transforms {

// What an expression sees of the record being transformed. Set per record by the runner.
struct EvalContext {
  const Field* fields = nullptr;  // each pointer's value, by PointerTrie node
  const Val* columns = nullptr;   // the row's columns mapped so far
  const ConsumedRecord* record = nullptr;
  int64_t now_ms = 0;
  Scratch* scratch = nullptr;
  const ParsedTexts* parsed = nullptr;  // texts validate read already (optional)
  json_fields::Problem* problem = nullptr;
};

// A built-in function: reads `args`, writes `out`; false (with ctx.problem set,
// naming `where`) if the arguments cannot be converted.
using Function = bool (*)(const Val* args, size_t count, EvalContext& ctx, std::string_view where, Val& out);

struct FunctionSpec {
  std::string_view name;
  int min_args;
  int max_args;  // -1: any number
  Function function;
  std::string_view description;
};
std::span<const FunctionSpec> function_table();
const FunctionSpec* find_function(std::string_view name);

// A compiled expression: a tree of nodes in one vector, the root last.
class Expression {
 public:
  // Evaluates into `out`; false with ctx.problem set on a conversion error.
  bool eval(EvalContext& ctx, Val& out) const { return eval_node(static_cast<uint32_t>(nodes_.size() - 1), ctx, out); }

  // The pointer this expression is, if it is a bare pointer (for messages and type checks).
  std::optional<uint32_t> bare_pointer() const;
  const std::string& text() const { return text_; }

 private:
  friend class ExpressionParser;
  enum class Op : uint8_t {
    literal,
    pointer,
    column,
    call,
    coalesce,
    attempt,
    compare,
    all,
    any,
    negate,
    header,
    key,
    record_time,
    now
  };
  enum class Compare : uint8_t { eq, ne, lt, le, gt, ge };
  struct Node {
    Op op = Op::literal;
    Compare compare = Compare::eq;
    Val literal;
    uint32_t index = 0;  // pointer slot, or column
    Function function = nullptr;
    std::string where;  // names the value in error messages
    std::vector<uint32_t> args;
  };
  bool eval_node(uint32_t node, EvalContext& ctx, Val& out) const;
  // eval_node() for an argument: literals, pointers and columns (most
  // arguments) are read in place, without a call.
  [[gnu::always_inline]] inline bool eval_arg(uint32_t node, EvalContext& ctx, Val& out) const;
  // eval_arg() for a function's argument, constructed in `room` (raw memory).
  [[gnu::always_inline]] inline bool eval_arg_into(uint32_t node, EvalContext& ctx, Val* room) const;
  // A function call (Op::call): its arguments evaluated into an array on the
  // stack, room for kArgsInPlace (more, rare, on the heap), then the function.
  static constexpr size_t kArgsInPlace = 16;
  bool call(const Node& node, EvalContext& ctx, Val& out) const;
  // The other forms of eval_node() that take more than a load.
  bool header(const Node& node, EvalContext& ctx, Val& out) const;
  bool coalesce(const Node& node, EvalContext& ctx, Val& out) const;
  bool attempt(const Node& node, EvalContext& ctx, Val& out) const;
  bool compare(const Node& node, EvalContext& ctx, Val& out) const;
  bool all_or_any(const Node& node, EvalContext& ctx, Val& out) const;
  bool negate(const Node& node, EvalContext& ctx, Val& out) const;
  [[gnu::noinline]] bool call_with_many_args(const Node& node, EvalContext& ctx, Val& out) const;

  std::vector<Node> nodes_;
  // Text literals; each string is on the heap so that views into it survive moves.
  std::vector<std::unique_ptr<std::string>> strings_;
  std::string text_;
};

// Resolves a bare name to a column index already mapped, or explains why not.
using ColumnResolver = std::function<std::optional<uint32_t>(std::string_view name, std::string& error)>;

// Compiles `text`; pointers are added to `trie`. On error returns nullopt and
// sets `error` ("at character 12: unknown function 'lowr' (did you mean 'lower'?)").
std::optional<Expression> compile_expression(std::string_view text, PointerTrie& trie, const ColumnResolver& columns,
                                             std::string& error);

// The closest of `candidates` to `word` (fewer than 3 edits), or empty.
std::string closest_name(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace kascade::transforms
