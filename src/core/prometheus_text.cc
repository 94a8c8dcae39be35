// core/prometheus_text.cc: the Prometheus text exposition format (0.0.4).
#include "core/prometheus_text.h"

#include <fmt/format.h>

#include <cmath>

namespace kascade::prometheus_text {

void append_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (const char c : help) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;  // one line
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value) {
  out += name;
  for (size_t l = 0; l < labels.size(); ++l) {
    out += l ? ',' : '{';
    out += labels[l].first;
    out += "=\"";
    append_label_value(out, labels[l].second);
    out += '"';
  }
  if (!labels.empty()) out += '}';
  out += ' ';
  out += value;
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, uint64_t value) {
  append_sample(out, name, labels, std::string_view(fmt::format("{}", value)));
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, int64_t value) {
  append_sample(out, name, labels, std::string_view(fmt::format("{}", value)));
}

void append_sample(std::string& out, std::string_view name, const Labels& labels, double value) {
  const std::string text = std::isnan(value)   ? "NaN"
                           : std::isinf(value) ? (value > 0 ? "+Inf" : "-Inf")
                                               : fmt::format("{}", value);
  append_sample(out, name, labels, std::string_view(text));
}

void append_histogram(std::string& out, std::string_view name, std::string_view help,
                      const HistogramSnapshot& histogram) {
  append_header(out, name, "histogram", help);
  const std::string bucket = fmt::format("{}_bucket", name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < histogram.counts.size(); ++i) {
    cumulative += histogram.counts[i];
    const std::string le = i < histogram.bounds.size() ? fmt::format("{}", histogram.bounds[i]) : "+Inf";
    append_sample(out, bucket, {{"le", le}}, cumulative);
  }
  append_sample(out, fmt::format("{}_sum", name), {}, histogram.sum);
  append_sample(out, fmt::format("{}_count", name), {}, cumulative);
}

}  // namespace kascade::prometheus_text
