// core/prometheus_text.h: the Prometheus text exposition format (0.0.4): HELP and TYPE lines, samples with escaped
// labels, histograms. The one writer of /metrics text, for `serve` and the pipeline roles' endpoint.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kascade::prometheus_text {

// A sample's labels, in order: name and (unescaped) value.
using Labels = std::vector<std::pair<std::string_view, std::string>>;

// "# HELP <name> <help>\n# TYPE <name> <type>\n" (type: counter, gauge, histogram); the help on one line.
void append_header(std::string& out, std::string_view name, std::string_view type, std::string_view help);

// Appends a label value, escaping backslash, double quote and line feed.
void append_label_value(std::string& out, std::string_view value);

// "<name>{<labels>} <value>\n"; `value` is already a number's text.
void append_sample(std::string& out, std::string_view name, const Labels& labels, std::string_view value);
void append_sample(std::string& out, std::string_view name, const Labels& labels, uint64_t value);
void append_sample(std::string& out, std::string_view name, const Labels& labels, int64_t value);
void append_sample(std::string& out, std::string_view name, const Labels& labels, double value);

// A histogram's buckets: `counts[i]` observations at most `bounds[i]` (not cumulative), then
// counts[bounds.size()] above the last bound; `sum` of every observation.
struct HistogramSnapshot {
  std::span<const double> bounds;
  std::vector<uint64_t> counts;  // bounds.size() + 1
  double sum = 0;
};

// HELP, TYPE and the cumulative `<name>_bucket{le=...}` series, `<name>_sum` and `<name>_count`.
void append_histogram(std::string& out, std::string_view name, std::string_view help,
                      const HistogramSnapshot& histogram);

}  // namespace kascade::prometheus_text
