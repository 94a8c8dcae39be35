// app/tabular_output.h: query results printed as an aligned table, CSV, one JSON array or JSON lines.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace kascade {

enum class OutputFormat { table, csv, json, ndjson };
Result<OutputFormat> parse_output_format(const std::string& name);

// A cell: null, integer, real or text (blobs are shown as text).
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
};

// table: aligned columns with a header rule and a "(N rows)" footer;
// csv: RFC 4180 with a header line; json: one JSON document, an array of
// objects (`[]` when there are no rows); ndjson: one JSON object per line.
void print_table(std::ostream& out, const ResultTable& table, OutputFormat format);

// The rows as one JSON array of objects (the ndjson format's lines, in brackets).
std::string json_array(const ResultTable& table);
// One row as a JSON object (a line of the ndjson format).
std::string json_object(const ResultTable& table, size_t row);

// One Prometheus gauge: a sample per row, labelled with the `labels` columns,
// valued by the `value` column (rows where it is null or not a number are
// left out), after its HELP and TYPE lines.
std::string prometheus_gauge(const ResultTable& table, std::string_view metric, std::string_view help,
                             const std::vector<std::string>& labels, const std::string& value);

}  // namespace kascade
