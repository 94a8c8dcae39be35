// app/cql_command.cc: `kascade cql`, a small cqlsh on kascade's own CQL client.
//
// Exit codes: 0 success; 1 Cassandra unreachable, login refused, or a
// failure on its side (timeouts, unavailable); 2 bad arguments, a missing
// password variable, or a statement Cassandra rejects (syntax or invalid
// query, like `kascade query` with bad SQL).
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "app/commands.h"
#include "app/tabular_output.h"
#include "core/json_append.h"
#include "cql/session.h"

namespace kascade {
namespace {

bool is_integer(cql::TypeId id) {
  using cql::TypeId;
  return id == TypeId::tinyint || id == TypeId::smallint || id == TypeId::int_ || id == TypeId::bigint ||
         id == TypeId::counter;
}

// json: one array of objects; ndjson: an object per line.
void print_json(const cql::Rows& rows, OutputFormat format) {
  const auto& columns = rows.metadata.columns;
  const bool array = format == OutputFormat::json;
  if (array) std::cout << '[';
  std::string line;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const auto& row = rows.rows[r];
    line = array && r > 0 ? ",{" : "{";
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) line += ',';
      json_append::append_string(line, columns[c].name);
      line += ':';
      cql::render_value(columns[c].type, row[c], /*json=*/true, line);
    }
    line += array ? "}" : "}\n";
    std::cout << line;
  }
  if (array) std::cout << "]\n";
}

ResultTable to_table(const cql::Rows& rows) {
  ResultTable table;
  const auto& columns = rows.metadata.columns;
  for (const auto& column : columns) table.columns.push_back(column.name);
  for (const auto& row : rows.rows) {
    std::vector<Cell> cells;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (row[c].is_null()) {
        cells.emplace_back();
      } else if (is_integer(columns[c].type.id)) {
        cells.emplace_back(std::get<int64_t>(row[c].v));
      } else {
        std::string text;
        cql::render_value(columns[c].type, row[c], /*json=*/false, text);
        cells.emplace_back(std::move(text));
      }
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
}

}  // namespace

int cql_command(const CqlArgs& args) {
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("cql", format.error());
  auto consistency = cql::parse_consistency(args.consistency);
  if (!consistency) return report_failure("cql", usage_error(consistency.error()));
  auto hosts = cql::parse_hosts(args.hosts);
  if (!hosts)
    return report_failure("cql", Error::make(Errc::config, fmt::format("--hosts: {}", hosts.error().message)));

  cql::SessionOptions options;
  options.contact_points = std::move(*hosts);
  options.credentials.username = args.username;
  if (!args.password_env.empty()) {
    const char* password = std::getenv(args.password_env.c_str());
    if (password == nullptr) {
      return report_failure("cql", Error::make(Errc::config, fmt::format("--password-env: the environment "
                                                                         "variable {} is not set",
                                                                         args.password_env)));
    }
    options.credentials.password = password;
  }
  options.connect_timeout = std::chrono::milliseconds(args.connect_timeout_ms);
  options.tls = {.enabled = args.tls, .ca_file = args.tls_ca_file, .verify_host = !args.no_verify_host};
  options.discover_nodes = false;  // one statement: the contact point is enough
  options.on_warning = [](const std::string& warning) { fmt::print(stderr, "kascade cql: warning: {}\n", warning); };

  auto session = cql::Session::connect(std::move(options));
  if (!session) return report_failure("cql", session.error());
  auto rows = (*session)->query_all(args.statement, *consistency);
  if (!rows) {
    // A statement Cassandra rejects (syntax, unknown table) is the command's argument: a usage error.
    const bool rejected = rows.error().code == Errc::invalid_argument;
    return report_failure("cql", rejected ? usage_error(rows.error()) : rows.error());
  }
  if (rows->metadata.columns.empty()) return kExitOk;  // DDL, INSERT...: nothing to show
  if (*format == OutputFormat::json || *format == OutputFormat::ndjson) {
    print_json(*rows, *format);
  } else {
    print_table(std::cout, to_table(*rows), *format);
  }
  return kExitOk;
}

}  // namespace kascade
