// cql/value_text.cc: decoded values as text, for people (cqlsh-like) and tools (JSON).
#include <arpa/inet.h>
#include <fmt/format.h>

#include <chrono>

#include "core/json_append.h"
#include "core/timestamp.h"
#include "cql/types.h"

namespace kascade::cql {

std::string format_date(int64_t days) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::string format_time_of_day(int64_t ns) {
  const int64_t s = ns / 1'000'000'000;
  return fmt::format("{:02}:{:02}:{:02}.{:09}", s / 3600, s / 60 % 60, s % 60, ns % 1'000'000'000);
}

void render_value(const TypeSpec& type, const CqlValue& value, bool json, std::string& out) {
  if (value.is_null()) {
    out += json ? "null" : "";
    return;
  }
  auto quoted = [&](const std::string& s) {
    if (json) {
      json_append::append_string(out, s);
    } else {
      out += s;
    }
  };
  switch (type.id) {
    case TypeId::boolean:
      out += std::get<bool>(value.v) ? "true" : "false";
      return;
    case TypeId::tinyint:
    case TypeId::smallint:
    case TypeId::int_:
    case TypeId::bigint:
    case TypeId::counter:
      out += fmt::format("{}", std::get<int64_t>(value.v));
      return;
    case TypeId::timestamp:
      quoted(format_iso8601_ms(std::get<int64_t>(value.v)));
      return;
    case TypeId::date:
      quoted(format_date(std::get<int64_t>(value.v)));
      return;
    case TypeId::time:
      quoted(format_time_of_day(std::get<int64_t>(value.v)));
      return;
    case TypeId::double_:
      out += fmt::format("{}", std::get<double>(value.v));
      return;
    case TypeId::float_:
      out += fmt::format("{}", std::get<Float32>(value.v).value);
      return;
    case TypeId::uuid:
    case TypeId::timeuuid:
      quoted(format_uuid(std::get<Uuid>(value.v)));
      return;
    case TypeId::varint:
      out += varint_to_string(std::get<Varint>(value.v));
      return;
    case TypeId::decimal: {
      const auto& d = std::get<Decimal>(value.v);
      std::string digits = varint_to_string(d.unscaled);
      const bool negative = !digits.empty() && digits[0] == '-';
      if (negative) digits.erase(0, 1);
      if (d.scale > 1000) {  // plain notation would need that many zeros: use an exponent
        digits += fmt::format("E-{}", d.scale);
      } else if (d.scale > 0) {
        const size_t scale = static_cast<size_t>(d.scale);
        if (digits.size() <= scale) digits.insert(0, scale - digits.size() + 1, '0');
        digits.insert(digits.size() - scale, 1, '.');
      } else if (d.scale < 0) {
        digits += fmt::format("E+{}", -static_cast<int64_t>(d.scale));
      }
      out += (negative ? "-" : "") + digits;
      return;
    }
    case TypeId::inet: {
      const auto& a = std::get<Inet>(value.v).address;
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(a.size() == 4 ? AF_INET : AF_INET6, a.data(), text, sizeof text);
      quoted(text);
      return;
    }
    case TypeId::blob: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex = "0x";
      for (unsigned char c : std::get<std::string>(value.v)) {
        hex.push_back(kHex[c >> 4]);
        hex.push_back(kHex[c & 0xF]);
      }
      quoted(hex);
      return;
    }
    case TypeId::list:
    case TypeId::set: {
      const auto& items = std::get<CqlList>(value.v);
      out += json || type.id == TypeId::list ? '[' : '{';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += json ? "," : ", ";
        render_value(type.params[0], items[i], true, out);
      }
      out += json || type.id == TypeId::list ? ']' : '}';
      return;
    }
    case TypeId::map: {
      const auto& entries = std::get<CqlMap>(value.v);
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += json ? "," : ", ";
        // JSON object keys are strings: render the key plainly, then quote it.
        std::string key;
        render_value(type.params[0], entries[i].first, false, key);
        json_append::append_string(out, key);
        out += json ? ":" : ": ";
        render_value(type.params[1], entries[i].second, true, out);
      }
      out += '}';
      return;
    }
    default:
      if (const auto* s = std::get_if<std::string>(&value.v)) quoted(*s);
      return;
  }
}

}  // namespace kascade::cql
