// process/transforms/expression.cc: the expression parser (text -> node tree) and evaluator.
#include "process/transforms/expression.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <new>

#include "core/text.h"

namespace kascade::transforms {

std::string closest_name(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  size_t best_distance = 3;
  for (const std::string_view candidate : candidates) {
    const size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return std::string(best);
}

std::optional<uint32_t> Expression::bare_pointer() const {
  if (nodes_.size() == 1 && nodes_[0].op == Op::pointer) return nodes_[0].index;
  return std::nullopt;
}

// Recursive descent over the grammar of expression.h. Errors stop the parse.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, PointerTrie& trie, const ColumnResolver& columns)
      : text_(text), trie_(trie), columns_(columns) {}

  std::optional<Expression> parse(std::string& error) {
    out_.text_ = std::string(text_);
    const auto root = parse_or();
    skip_space();
    if (root && at_ < text_.size()) fail(fmt::format("unexpected '{}'", text_.substr(at_, 1)));
    if (!error_.empty()) {
      error = fmt::format("at character {}: {}", error_at_ + 1, error_);
      return std::nullopt;
    }
    // The root must be the last node: copy it there if it is not.
    if (*root != out_.nodes_.size() - 1) out_.nodes_.push_back(out_.nodes_[*root]);
    return std::move(out_);
  }

 private:
  using Op = Expression::Op;
  using Node = Expression::Node;

  std::nullopt_t fail(std::string what) {
    if (error_.empty()) {
      error_ = std::move(what);
      error_at_ = at_;
    }
    return std::nullopt;
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n')) ++at_;
  }
  bool eat(std::string_view token) {
    skip_space();
    if (text_.substr(at_, token.size()) != token) return false;
    // A keyword must not run into a name ("order" is not "or"+"der").
    if (std::isalpha(static_cast<unsigned char>(token[0])) && at_ + token.size() < text_.size() &&
        is_name_char(text_[at_ + token.size()])) {
      return false;
    }
    at_ += token.size();
    return true;
  }
  static bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  uint32_t add(Node node) {
    out_.nodes_.push_back(std::move(node));
    return static_cast<uint32_t>(out_.nodes_.size() - 1);
  }

  std::optional<uint32_t> parse_binary(Op op, std::string_view keyword,
                                       std::optional<uint32_t> (ExpressionParser::*next)()) {
    auto left = (this->*next)();
    if (!left) return std::nullopt;
    if (!eat(keyword)) return left;
    Node node{.op = op, .where = std::string(keyword)};
    node.args.push_back(*left);
    do {
      auto right = (this->*next)();
      if (!right) return std::nullopt;
      node.args.push_back(*right);
    } while (eat(keyword));
    return add(std::move(node));
  }
  std::optional<uint32_t> parse_or() { return parse_binary(Op::any, "or", &ExpressionParser::parse_and); }
  std::optional<uint32_t> parse_and() { return parse_binary(Op::all, "and", &ExpressionParser::parse_not); }
  std::optional<uint32_t> parse_not() {
    if (eat("not")) {
      auto operand = parse_not();
      if (!operand) return std::nullopt;
      Node node{.op = Op::negate, .where = "not"};
      node.args.push_back(*operand);
      return add(std::move(node));
    }
    return parse_compare();
  }
  std::optional<uint32_t> parse_compare() {
    auto left = parse_primary();
    if (!left) return std::nullopt;
    static constexpr std::pair<std::string_view, Expression::Compare> kOps[] = {
        {"==", Expression::Compare::eq}, {"!=", Expression::Compare::ne}, {"<=", Expression::Compare::le},
        {">=", Expression::Compare::ge}, {"<", Expression::Compare::lt},  {">", Expression::Compare::gt}};
    for (const auto& [token, compare] : kOps) {
      if (!eat(token)) continue;
      auto right = parse_primary();
      if (!right) return std::nullopt;
      Node node{.op = Op::compare, .compare = compare, .where = std::string(token)};
      node.args = {*left, *right};
      return add(std::move(node));
    }
    return left;
  }

  std::optional<uint32_t> parse_primary() {
    skip_space();
    if (at_ >= text_.size()) return fail("expected a value");
    const char c = text_[at_];
    if (c == '(') {
      ++at_;
      auto inner = parse_or();
      if (!inner) return std::nullopt;
      if (!eat(")")) return fail("expected ')'");
      return inner;
    }
    if (c == '/') return parse_pointer();
    if (c == '"' || c == '\'') return parse_string();
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) return parse_number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return parse_name();
    return fail(fmt::format("unexpected '{}'", c));
  }

  std::optional<uint32_t> parse_pointer() {
    const size_t start = at_;
    while (at_ < text_.size() && text_[at_] != ' ' && text_[at_] != ',' && text_[at_] != ')' && text_[at_] != '\t')
      ++at_;
    const std::string_view pointer = text_.substr(start, at_ - start);
    std::string problem;
    const auto node = trie_.add(pointer, problem);
    if (!node) {
      at_ = start;
      return fail(fmt::format("bad JSON pointer '{}': {}", pointer, problem));
    }
    return add(Node{.op = Op::pointer, .index = *node, .where = std::string(pointer)});
  }

  std::optional<uint32_t> parse_string() {
    const char quote = text_[at_++];
    std::string value;
    while (at_ < text_.size() && text_[at_] != quote) {
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) ++at_;
      value += text_[at_++];
    }
    if (at_ >= text_.size()) return fail("unterminated string");
    ++at_;
    out_.strings_.push_back(std::make_unique<std::string>(std::move(value)));
    return add(Node{.op = Op::literal, .literal = Val::of_text(*out_.strings_.back()), .where = "a literal"});
  }

  std::optional<uint32_t> parse_number() {
    const size_t start = at_;
    if (text_[at_] == '-') ++at_;
    while (at_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[at_])) || text_[at_] == '.' ||
                                  text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
    }
    const std::string_view number = text_.substr(start, at_ - start);
    int64_t integer = 0;
    if (auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), integer);
        ec == std::errc() && ptr == number.data() + number.size()) {
      return add(Node{.op = Op::literal, .literal = Val::of_int(integer), .where = "a literal"});
    }
    double real = 0;
    if (auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), real);
        ec == std::errc() && ptr == number.data() + number.size()) {
      return add(Node{.op = Op::literal, .literal = Val::of_real(real), .where = "a literal"});
    }
    at_ = start;
    return fail(fmt::format("bad number '{}'", number));
  }

  std::optional<uint32_t> parse_name() {
    const size_t start = at_;
    while (at_ < text_.size() && is_name_char(text_[at_])) ++at_;
    const std::string_view name = text_.substr(start, at_ - start);
    if (name == "true" || name == "false") {
      return add(Node{.op = Op::literal, .literal = Val::of_bool(name == "true"), .where = "a literal"});
    }
    if (name == "null") return add(Node{.op = Op::literal, .where = "a literal"});
    skip_space();
    if (at_ >= text_.size() || text_[at_] != '(') {
      std::string problem;
      const auto column = columns_(name, problem);
      if (!column) {
        at_ = start;
        return fail(problem);
      }
      return add(Node{.op = Op::column, .index = *column, .where = std::string(name)});
    }
    ++at_;
    std::vector<uint32_t> args;
    skip_space();
    if (!eat(")")) {
      do {
        auto arg = parse_or();
        if (!arg) return std::nullopt;
        args.push_back(*arg);
      } while (eat(","));
      if (!eat(")")) return fail("expected ',' or ')'");
    }
    return make_call(name, start, std::move(args));
  }

  std::optional<uint32_t> make_call(std::string_view name, size_t start, std::vector<uint32_t> args) {
    const size_t count = args.size();
    auto arity = [&, count](size_t min, size_t max) -> bool {
      if (count >= min && count <= max) return true;
      at_ = start;
      fail(min == max ? fmt::format("{}() takes {} argument{}", name, min, min == 1 ? "" : "s")
                      : fmt::format("{}() takes {} to {} arguments", name, min, max));
      return false;
    };
    // Where a failing call is reported: at its first argument's pointer, if it reads one.
    std::string where = fmt::format("{}()", name);
    if (!args.empty() && !out_.nodes_[args[0]].where.empty() && out_.nodes_[args[0]].where[0] == '/') {
      where = out_.nodes_[args[0]].where;
    }
    Node node{.where = where, .args = std::move(args)};
    // The special forms evaluate their arguments lazily, or read the record itself.
    if (name == "coalesce" || name == "default") {
      if (name == "coalesce" ? !arity(1, 64) : !arity(2, 2)) return std::nullopt;
      node.op = Op::coalesce;
    } else if (name == "try") {
      if (!arity(1, 1)) return std::nullopt;
      node.op = Op::attempt;
    } else if (name == "header") {
      if (!arity(1, 1)) return std::nullopt;
      const Node& arg = out_.nodes_[node.args[0]];
      if (arg.op != Op::literal || arg.literal.kind != Val::Kind::text) {
        at_ = start;
        return fail("header() takes the header's name as a quoted string");
      }
      node.op = Op::header;
      node.literal = arg.literal;
    } else if (name == "key" || name == "record_time" || name == "now") {
      if (!arity(0, 0)) return std::nullopt;
      node.op = name == "key" ? Op::key : name == "now" ? Op::now : Op::record_time;
    } else if (const FunctionSpec* spec = find_function(name)) {
      if (!arity(static_cast<size_t>(spec->min_args), spec->max_args < 0 ? 64 : static_cast<size_t>(spec->max_args))) {
        return std::nullopt;
      }
      node.op = Op::call;
      node.function = spec->function;
    } else {
      std::vector<std::string_view> names = {"coalesce", "default", "try", "header", "key", "record_time", "now"};
      for (const auto& f : function_table()) names.push_back(f.name);
      const std::string suggestion = closest_name(name, names);
      at_ = start;
      return fail(suggestion.empty() ? fmt::format("unknown function '{}'", name)
                                     : fmt::format("unknown function '{}' (did you mean '{}'?)", name, suggestion));
    }
    return add(std::move(node));
  }

  std::string_view text_;
  PointerTrie& trie_;
  const ColumnResolver& columns_;
  size_t at_ = 0;
  std::string error_;
  size_t error_at_ = 0;
  Expression out_;
};

std::optional<Expression> compile_expression(std::string_view text, PointerTrie& trie, const ColumnResolver& columns,
                                             std::string& error) {
  return ExpressionParser(text, trie, columns).parse(error);
}

namespace {

// Numbers compare as numbers, texts as bytes, booleans and nulls by equality;
// values of different kinds are only ever unequal.
bool compare_values(const Val& a, const Val& b, int& order) {
  const bool a_number = a.kind == Val::Kind::integer || a.kind == Val::Kind::real;
  const bool b_number = b.kind == Val::Kind::integer || b.kind == Val::Kind::real;
  if (a_number && b_number) {
    if (a.kind == Val::Kind::integer && b.kind == Val::Kind::integer) {
      order = a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
    } else {
      const double x = a.kind == Val::Kind::integer ? static_cast<double>(a.integer) : a.real;
      const double y = b.kind == Val::Kind::integer ? static_cast<double>(b.integer) : b.real;
      order = x < y ? -1 : x > y ? 1 : 0;
    }
    return true;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Val::Kind::text:
      order = a.text.compare(b.text);
      order = order < 0 ? -1 : order > 0 ? 1 : 0;
      return true;
    case Val::Kind::boolean:
      order = a.boolean == b.boolean ? 0 : a.boolean ? 1 : -1;
      return true;
    case Val::Kind::null:
      order = 0;
      return true;
    default:
      return false;
  }
}

}  // namespace

inline bool Expression::eval_arg(uint32_t index, EvalContext& ctx, Val& out) const {
  const Node& node = nodes_[index];
  switch (node.op) {
    case Op::literal:
      out = node.literal;
      return true;
    case Op::pointer:
      out = ctx.fields[node.index].value;
      return true;
    case Op::column:
      out = ctx.columns[node.index];
      return true;
    default:
      return eval_node(index, ctx, out);
  }
}

inline bool Expression::eval_arg_into(uint32_t index, EvalContext& ctx, Val* room) const {
  const Node& node = nodes_[index];
  switch (node.op) {
    case Op::literal:
      new (room) Val(node.literal);
      return true;
    case Op::pointer:
      new (room) Val(ctx.fields[node.index].value);
      return true;
    case Op::column:
      new (room) Val(ctx.columns[node.index]);
      return true;
    default:
      return eval_node(index, ctx, *new (room) Val);
  }
}

bool Expression::call(const Node& node, EvalContext& ctx, Val& out) const {
  const size_t count = node.args.size();
  if (count > kArgsInPlace) return call_with_many_args(node, ctx, out);
  // Left unconstructed: each argument is constructed in place as it is evaluated.
  alignas(Val) unsigned char room[kArgsInPlace * sizeof(Val)];
  Val* const values = reinterpret_cast<Val*>(room);
  for (size_t i = 0; i < count; ++i) {
    if (!eval_arg_into(node.args[i], ctx, values + i)) return false;
  }
  return node.function(values, count, ctx, node.where, out);
}

bool Expression::call_with_many_args(const Node& node, EvalContext& ctx, Val& out) const {
  std::vector<Val> values(node.args.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!eval_arg(node.args[i], ctx, values[i])) return false;
  }
  return node.function(values.data(), values.size(), ctx, node.where, out);
}

// A dispatcher only: the forms that need more than a few instructions are
// functions of their own, reached by tail calls, so that this (run for every
// node) saves no registers.
bool Expression::eval_node(uint32_t index, EvalContext& ctx, Val& out) const {
  const Node& node = nodes_[index];
  switch (node.op) {
    case Op::literal:
      out = node.literal;
      return true;
    case Op::pointer:
      out = ctx.fields[node.index].value;
      return true;
    case Op::column:
      out = ctx.columns[node.index];
      return true;
    case Op::header:
      return header(node, ctx, out);
    case Op::key:
      out = Val::of_text(ctx.record->key);
      return true;
    case Op::record_time:
      out = Val::of_int(ctx.record->timestamp_ms);
      return true;
    case Op::now:
      out = Val::of_int(ctx.now_ms);
      return true;
    case Op::coalesce:
      return coalesce(node, ctx, out);
    case Op::attempt:
      return attempt(node, ctx, out);
    case Op::call:
      return call(node, ctx, out);
    case Op::compare:
      return compare(node, ctx, out);
    case Op::all:
    case Op::any:
      return all_or_any(node, ctx, out);
    case Op::negate:
      return negate(node, ctx, out);
  }
  return false;
}

bool Expression::header(const Node& node, EvalContext& ctx, Val& out) const {
  const auto value = ctx.record->header(node.literal.text);
  out = value ? Val::of_text(*value) : Val{};
  return true;
}

bool Expression::coalesce(const Node& node, EvalContext& ctx, Val& out) const {
  for (const uint32_t arg : node.args) {
    if (!eval_arg(arg, ctx, out)) return false;
    if (!out.is_null()) return true;
  }
  return true;
}

bool Expression::attempt(const Node& node, EvalContext& ctx, Val& out) const {
  if (eval_arg(node.args[0], ctx, out)) return true;
  ctx.problem->clear();
  out = Val{};
  return true;
}

bool Expression::compare(const Node& node, EvalContext& ctx, Val& out) const {
  Val a, b;
  if (!eval_arg(node.args[0], ctx, a) || !eval_arg(node.args[1], ctx, b)) return false;
  int order = 0;
  const bool comparable = compare_values(a, b, order);
  bool result = false;
  switch (node.compare) {
    case Compare::eq:
      result = comparable && order == 0;
      break;
    case Compare::ne:
      result = !comparable || order != 0;
      break;
    case Compare::lt:
      result = comparable && order < 0;
      break;
    case Compare::le:
      result = comparable && order <= 0;
      break;
    case Compare::gt:
      result = comparable && order > 0;
      break;
    case Compare::ge:
      result = comparable && order >= 0;
      break;
  }
  out = Val::of_bool(result);
  return true;
}

bool Expression::all_or_any(const Node& node, EvalContext& ctx, Val& out) const {
  const bool want = node.op == Op::any;
  for (const uint32_t arg : node.args) {
    Val v;
    if (!eval_arg(arg, ctx, v)) return false;
    // null counts as false, as in SQL's WHERE.
    if ((v.kind == Val::Kind::boolean && v.boolean) == want) {
      out = Val::of_bool(want);
      return true;
    }
  }
  out = Val::of_bool(!want);
  return true;
}

bool Expression::negate(const Node& node, EvalContext& ctx, Val& out) const {
  Val v;
  if (!eval_arg(node.args[0], ctx, v)) return false;
  out = Val::of_bool(!(v.kind == Val::Kind::boolean && v.boolean));
  return true;
}

}  // namespace kascade::transforms
