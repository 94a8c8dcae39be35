// app/tabular_output.cc: rendering of ResultTable: the three output formats, a JSON array, Prometheus gauges.
#include "app/tabular_output.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json_append.h"
#include "core/prometheus_text.h"

namespace kascade {
namespace {

std::string cell_text(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return "";
  if (const auto* i = std::get_if<int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) return fmt::format("{}", *d);
  return std::get<std::string>(cell);
}

// Display width of UTF-8 text: one column per code point (good enough for names).
size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void print_aligned(std::ostream& out, const ResultTable& table) {
  std::vector<size_t> widths;
  for (const auto& column : table.columns) widths.push_back(display_width(column));
  std::vector<std::vector<std::string>> texts;
  texts.reserve(table.rows.size());
  for (const auto& row : table.rows) {
    auto& line = texts.emplace_back();
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      line.push_back(std::holds_alternative<std::monostate>(row[c]) ? "null" : cell_text(row[c]));
      widths[c] = std::max(widths[c], display_width(line.back()));
    }
  }
  auto print_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c) line += " | ";
      line += cells[c];
      if (c + 1 < cells.size()) line.append(widths[c] - display_width(cells[c]), ' ');
    }
    out << line << '\n';
  };
  print_line(table.columns);
  std::string rule;
  for (size_t c = 0; c < widths.size(); ++c) {
    if (c) rule += "-+-";
    rule.append(widths[c], '-');
  }
  out << rule << '\n';
  for (const auto& line : texts) print_line(line);
  out << "(" << table.rows.size() << (table.rows.size() == 1 ? " row)" : " rows)") << '\n';
}

// One row as a JSON object keyed by the column names.
void append_json_object(std::string& out, const ResultTable& table, const std::vector<Cell>& row) {
  out += '{';
  for (size_t c = 0; c < row.size() && c < table.columns.size(); ++c) {
    if (c) out += ',';
    json_append::append_string(out, table.columns[c]);
    out += ':';
    const Cell& cell = row[c];
    if (std::holds_alternative<std::monostate>(cell)) {
      out += "null";
    } else if (const auto* d = std::get_if<double>(&cell)) {
      out += std::isfinite(*d) ? fmt::format("{}", *d) : "null";
    } else if (std::holds_alternative<int64_t>(cell)) {
      out += cell_text(cell);
    } else {
      json_append::append_string(out, std::get<std::string>(cell));
    }
  }
  out += '}';
}

}  // namespace

Result<OutputFormat> parse_output_format(const std::string& name) {
  if (name == "table") return OutputFormat::table;
  if (name == "csv") return OutputFormat::csv;
  if (name == "json") return OutputFormat::json;
  if (name == "ndjson") return OutputFormat::ndjson;
  return Error::make(Errc::config, fmt::format("unknown format '{}' (table, csv, json or ndjson)", name));
}

void print_table(std::ostream& out, const ResultTable& table, OutputFormat format) {
  switch (format) {
    case OutputFormat::table:
      print_aligned(out, table);
      return;
    case OutputFormat::csv: {
      std::string line;
      for (size_t c = 0; c < table.columns.size(); ++c) line += (c ? "," : "") + csv_field(table.columns[c]);
      out << line << '\n';
      for (const auto& row : table.rows) {
        line.clear();
        for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + csv_field(cell_text(row[c]));
        out << line << '\n';
      }
      return;
    }
    case OutputFormat::json:
      out << json_array(table) << '\n';
      return;
    case OutputFormat::ndjson: {
      std::string line;
      for (const auto& row : table.rows) {
        line.clear();
        append_json_object(line, table, row);
        out << line << '\n';
      }
      return;
    }
  }
}

std::string json_object(const ResultTable& table, size_t row) {
  std::string out;
  append_json_object(out, table, table.rows.at(row));
  return out;
}

std::string json_array(const ResultTable& table) {
  std::string out = "[";
  for (size_t r = 0; r < table.rows.size(); ++r) {
    if (r) out += ',';
    append_json_object(out, table, table.rows[r]);
  }
  return out + "]";
}

std::string prometheus_gauge(const ResultTable& table, std::string_view metric, std::string_view help,
                             const std::vector<std::string>& labels, const std::string& value) {
  auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(table.columns.begin(), table.columns.end(), name) - table.columns.begin());
  };
  std::vector<size_t> label_columns;
  for (const auto& label : labels) label_columns.push_back(column(label));
  const size_t value_column = column(value);
  std::string out;
  prometheus_text::append_header(out, metric, "gauge", help);
  for (const auto& row : table.rows) {
    if (value_column >= row.size()) break;
    const Cell& cell = row[value_column];
    if (!std::holds_alternative<int64_t>(cell) && !std::holds_alternative<double>(cell)) continue;
    prometheus_text::Labels sample_labels;
    for (size_t l = 0; l < labels.size(); ++l) {
      sample_labels.emplace_back(labels[l], label_columns[l] < row.size() ? cell_text(row[label_columns[l]]) : "");
    }
    prometheus_text::append_sample(out, metric, sample_labels, std::string_view(cell_text(cell)));
  }
  return out;
}

}  // namespace kascade
