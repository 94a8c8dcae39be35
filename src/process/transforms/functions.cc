// process/transforms/functions.cc: the built-in functions of map, filter and dedupe expressions.
//
// Every function passes null through (a null argument gives null) unless it
// says otherwise, and fails only when a value cannot be converted: those
// failures are the `mapping` dead letters.
#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/row.h"  // copy_text_bytes
#include "process/transforms/expression.h"
#include "process/transforms/scalars.h"

namespace kascade::transforms {
namespace {

bool wrong_kind(EvalContext& ctx, std::string_view where, std::string_view expected, const Val& got) {
  std::string what = "expected ";
  what.append(expected).append(", got ").append(kind_name(got));
  ctx.problem->set(where, what);
  return false;
}

// What validate already read `text` as (a number, a timestamp, a UUID), if it did.
const Val* already_read(const EvalContext& ctx, std::string_view text, ParsedTexts::As as) {
  return ctx.parsed != nullptr ? ctx.parsed->find(text, as) : nullptr;
}

// Text of a number as UsersMapper writes post codes: integral values without decimals.
std::string_view number_text(const Val& v, Scratch& scratch) {
  char* const first = scratch.allocate(32);
  std::to_chars_result printed{};
  if (v.kind == Val::Kind::integer) {
    printed = std::to_chars(first, first + 32, v.integer);
  } else if (v.real == std::trunc(v.real) && std::fabs(v.real) < 1e18) {
    printed = std::to_chars(first, first + 32, static_cast<int64_t>(v.real));
  } else {
    printed = std::to_chars(first, first + 32, v.real);
  }
  return std::string_view(first, static_cast<size_t>(printed.ptr - first));
}

// text(x): strings as they are; numbers and booleans printed.
bool to_text(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  switch (a[0].kind) {
    case Val::Kind::null:
    case Val::Kind::text:
      out = a[0];
      return true;
    case Val::Kind::integer:
    case Val::Kind::real:
      out = Val::of_text(number_text(a[0], *ctx.scratch));
      return true;
    case Val::Kind::boolean:
      out = Val::of_text(a[0].boolean ? "true" : "false");
      return true;
    default:
      return wrong_kind(ctx, where, "a string, a number or a boolean", a[0]);
  }
}

// int(x): integers, and strings of decimal digits ("-12", "8929").
bool to_int(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  switch (a[0].kind) {
    case Val::Kind::null:
    case Val::Kind::integer:
      out = a[0];
      return true;
    case Val::Kind::real:
      if (a[0].real == std::trunc(a[0].real) && std::fabs(a[0].real) < 9e18) {
        out = Val::of_int(static_cast<int64_t>(a[0].real));
        return true;
      }
      ctx.problem->set(where, "not an integer");
      return false;
    case Val::Kind::text:
      if (auto v = json_fields::parse_decimal_int64(a[0].text)) {
        out = Val::of_int(*v);
        return true;
      }
      ctx.problem->bad_text(where, "not an integer:", a[0].text);
      return false;
    default:
      return wrong_kind(ctx, where, "an integer or a string of digits", a[0]);
  }
}

// double(x): numbers, and strings holding one ("-36.12").
bool to_double(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  switch (a[0].kind) {
    case Val::Kind::null:
    case Val::Kind::real:
      out = a[0];
      return true;
    case Val::Kind::integer:
      out = Val::of_real(static_cast<double>(a[0].integer));
      return true;
    case Val::Kind::text:
      if (const Val* read = already_read(ctx, a[0].text, ParsedTexts::As::number)) {
        out = *read;
        return true;
      }
      if (auto v = scalars::decimal(a[0].text)) {
        out = Val::of_real(*v);
        return true;
      }
      ctx.problem->bad_text(where, "not a number:", a[0].text);
      return false;
    default:
      return wrong_kind(ctx, where, "a number or a numeric string", a[0]);
  }
}

// uuid(x): 8-4-4-4-12 hex digits, written lower-case.
bool to_uuid(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].is_null()) return out = a[0], true;
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a string", a[0]);
  if (const Val* read = already_read(ctx, a[0].text, ParsedTexts::As::uuid)) {
    out = *read;
    return true;
  }
  char* const id = ctx.scratch->allocate(36);
  if (!scalars::canonical_uuid(a[0].text, *reinterpret_cast<char(*)[36]>(id))) {
    ctx.problem->bad_text(where, "not a UUID:", a[0].text);
    return false;
  }
  out = Val::of_text(std::string_view(id, 36));
  return true;
}

// timestamp(x): an ISO-8601 string, or ms since the epoch, as ms since the epoch.
bool to_timestamp(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].is_null() || a[0].kind == Val::Kind::integer) return out = a[0], true;
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a string", a[0]);
  if (const Val* read = already_read(ctx, a[0].text, ParsedTexts::As::timestamp)) {
    out = *read;
    return true;
  }
  if (auto ms = scalars::timestamp_ms(a[0].text)) {
    out = Val::of_int(*ms);
    return true;
  }
  ctx.problem->bad_text(where, "not an ISO-8601 timestamp:", a[0].text);
  return false;
}

template <char (*Convert)(char)>
bool map_bytes(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].is_null()) return out = a[0], true;
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a string", a[0]);
  char* const bytes = ctx.scratch->allocate(a[0].text.size());
  for (size_t i = 0; i < a[0].text.size(); ++i) bytes[i] = Convert(a[0].text[i]);
  out = Val::of_text(std::string_view(bytes, a[0].text.size()));
  return true;
}
// ASCII only: other bytes (UTF-8 sequences included) are kept as they are.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

bool trim(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].is_null()) return out = a[0], true;
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a string", a[0]);
  std::string_view t = a[0].text;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  out = Val::of_text(t);
  return true;
}

// The text of one argument of concat/format. A trivial type, so that their
// arrays of 64 are left uninitialised: zeroing 64 string_views per call cost
// about as much as the join itself. Each is written before it is read.
struct Piece {
  const char* data;
  size_t size;
  Piece& operator=(std::string_view text) {
    data = text.data();
    size = text.size();
    return *this;
  }
  operator std::string_view() const { return std::string_view(data, size); }
  bool empty() const { return size == 0; }
};

// The text of a scalar for concat/format (null: empty); false for objects and
// arrays. Most pieces are texts already: those are taken without a call.
inline bool piece(const Val& v, EvalContext& ctx, std::string_view where, Piece& text) {
  switch (v.kind) {
    case Val::Kind::text:
      text = v.text;
      return true;
    case Val::Kind::null:
      text = std::string_view();
      return true;
    default: {
      Val t;
      if (!to_text(&v, 1, ctx, where, t)) return false;
      text = t.text;
      return true;
    }
  }
}

// Joins pieces into scratch: sizes first, then one allocation.
template <typename Each>
std::string_view join(size_t count, Each&& each, EvalContext& ctx) {
  size_t size = 0;
  each([&](std::string_view p) { size += p.size(); });
  (void)count;
  char* const bytes = ctx.scratch->allocate(size);
  size_t at = 0;
  each([&](std::string_view p) {
    copy_text_bytes(bytes + at, p.data(), p.size());  // short: inline, no libc call
    at += p.size();
  });
  return std::string_view(bytes, size);
}

// concat(a, b, ...): the texts end to end; nulls are skipped, all null gives null.
bool concat(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  Piece parts[64];
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    if (a[i].is_null()) continue;
    if (!piece(a[i], ctx, where, parts[used])) return false;
    ++used;
  }
  if (used == 0) return out = Val{}, true;
  out = Val::of_text(join(
      used,
      [&](auto&& f) {
        for (size_t i = 0; i < used; ++i) f(parts[i]);
      },
      ctx));
  return true;
}

// concat_ws(sep, a, b, ...): non-empty texts joined by sep; null if none.
bool concat_ws(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a separator string", a[0]);
  const std::string_view separator = a[0].text;
  Piece parts[64];
  size_t used = 0;
  for (size_t i = 1; i < n; ++i) {
    if (a[i].is_null()) continue;
    if (!piece(a[i], ctx, where, parts[used])) return false;
    if (!parts[used].empty()) ++used;
  }
  if (used == 0) return out = Val{}, true;
  out = Val::of_text(join(
      used,
      [&](auto&& f) {
        for (size_t i = 0; i < used; ++i) {
          if (i != 0) f(separator);
          f(parts[i]);
        }
      },
      ctx));
  return true;
}

// format("{} {}", a, b): each {} replaced by the next argument's text (null: empty).
bool format(const Val* a, size_t n, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a format string", a[0]);
  const std::string_view pattern = a[0].text;
  Piece parts[64];
  for (size_t i = 1; i < n; ++i) {
    if (!piece(a[i], ctx, where, parts[i - 1])) return false;
  }
  out = Val::of_text(join(
      0,
      [&](auto&& f) {
        size_t next = 0, from = 0;
        for (size_t at = pattern.find("{}"); at != std::string_view::npos; at = pattern.find("{}", from)) {
          f(pattern.substr(from, at - from));
          if (next + 1 < n) f(parts[next++]);
          from = at + 2;
        }
        f(pattern.substr(from));
      },
      ctx));
  return true;
}

// "8929 valwood pkwy": the leading number of a text, when digits, a space and more follow.
std::optional<int64_t> leading_number(std::string_view text, std::string_view* rest) {
  const size_t space = text.find(' ');
  if (space == std::string_view::npos || space == 0 || space > 10) return std::nullopt;
  const size_t after = text.find_first_not_of(' ', space);
  if (after == std::string_view::npos) return std::nullopt;
  int64_t v = 0;
  for (const char c : text.substr(0, space)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > INT32_MAX) return std::nullopt;
  if (rest) *rest = text.substr(after);
  return v;
}

// leading_int(x): "8929 valwood pkwy" -> 8929; null for other texts and for non-texts.
bool leading_int(const Val* a, size_t, EvalContext&, std::string_view, Val& out) {
  out = Val{};
  if (a[0].kind != Val::Kind::text) return true;
  if (auto v = leading_number(a[0].text, nullptr)) out = Val::of_int(*v);
  return true;
}

// after_leading_int(x): "8929 valwood pkwy" -> "valwood pkwy"; a text without a
// leading number is returned whole; null for non-texts.
bool after_leading_int(const Val* a, size_t, EvalContext&, std::string_view, Val& out) {
  out = Val{};
  if (a[0].kind != Val::Kind::text) return true;
  std::string_view rest = a[0].text;
  leading_number(a[0].text, &rest);
  out = Val::of_text(rest);
  return true;
}

bool length(const Val* a, size_t, EvalContext& ctx, std::string_view where, Val& out) {
  if (a[0].is_null()) return out = a[0], true;
  if (a[0].kind != Val::Kind::text) return wrong_kind(ctx, where, "a string", a[0]);
  out = Val::of_int(static_cast<int64_t>(a[0].text.size()));
  return true;
}

}  // namespace

std::span<const FunctionSpec> function_table() {
  // A function-local static: other files use the table during their own static initialization.
  static const FunctionSpec kFunctions[] = {
      {"text", 1, 1, to_text, "a string as is; a number or boolean printed (integral numbers without decimals)"},
      {"int", 1, 1, to_int, "an integer; a string of decimal digits; an integral number"},
      {"double", 1, 1, to_double, "a number; a string holding a decimal number"},
      {"uuid", 1, 1, to_uuid, "a UUID string, checked and written lower-case"},
      {"timestamp", 1, 1, to_timestamp, "an ISO-8601 string (or ms since the epoch) as ms since the epoch"},
      {"lower", 1, 1, map_bytes<ascii_lower>, "ASCII letters lower-cased"},
      {"upper", 1, 1, map_bytes<ascii_upper>, "ASCII letters upper-cased"},
      {"trim", 1, 1, trim, "leading and trailing white space removed"},
      {"length", 1, 1, length, "bytes of a string"},
      {"concat", 1, 64, concat, "texts end to end, nulls skipped (null if all are)"},
      {"concat_ws", 2, 64, concat_ws, "concat_ws(sep, ...): non-empty texts joined by sep (null if none)"},
      {"format", 1, 64, format, "format(\"{} {}\", a, b): each {} replaced by the next argument"},
      {"leading_int", 1, 1, leading_int, "\"8929 valwood pkwy\" -> 8929 (null if the text has no leading number)"},
      {"after_leading_int", 1, 1, after_leading_int,
       "\"8929 valwood pkwy\" -> \"valwood pkwy\" (the whole text if no leading number)"},
  };
  return kFunctions;
}

const FunctionSpec* find_function(std::string_view name) {
  for (const FunctionSpec& f : function_table()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace kascade::transforms
