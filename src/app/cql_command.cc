// app/cql_command.cc: `kascade cql`, a small cqlsh on kascade's own CQL client.
//
// Exit codes: 0 success; 1 Cassandra unreachable, login refused, or a
// failure on its side (timeouts, unavailable); 2 bad arguments, a missing
// password variable, or a statement Cassandra rejects (syntax or invalid
// query, like `kascade query` with bad SQL). With -c FILE (or --set) the
// connection comes from the config's store.cassandra.*; -f FILE or stdin give
// several statements, run in order until one fails.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "app/commands.h"
#include "app/tabular_output.h"
#include "core/json_append.h"
#include "cql/session.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/sink_factory.h"

namespace kascade {
namespace {

bool is_integer(cql::TypeId id) {
  using cql::TypeId;
  return id == TypeId::tinyint || id == TypeId::smallint || id == TypeId::int_ || id == TypeId::bigint ||
         id == TypeId::counter;
}

// json: one array of objects; ndjson: an object per line.
bool starts(std::string_view text, size_t at, std::string_view with) { return text.substr(at, with.size()) == with; }

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

Result<cql::SessionOptions> flag_session_options(const CqlArgs& args) {
  auto hosts = cql::parse_hosts(args.hosts);
  if (!hosts) return Error::make(Errc::config, fmt::format("--hosts: {}", hosts.error().message));
  cql::SessionOptions options;
  options.contact_points = std::move(*hosts);
  options.credentials.username = args.username;
  if (!args.password_env.empty()) {
    const char* password = std::getenv(args.password_env.c_str());
    if (password == nullptr) {
      return Error::make(Errc::config,
                         fmt::format("--password-env: the environment variable {} is not set", args.password_env));
    }
    options.credentials.password = password;
  }
  options.connect_timeout = std::chrono::milliseconds(args.connect_timeout_ms);
  options.tls = {.enabled = args.tls, .ca_file = args.tls_ca_file, .verify_host = !args.no_verify_host};
  return options;
}

// The statements of a script: split at each ';' outside a quoted text ('..', "..", $$..$$) and outside a
// comment (-- and // to the end of the line, /* .. */, all left out); blank statements are dropped.
std::vector<std::string> split_cql_statements(std::string_view text) {
  std::vector<std::string> statements;
  std::string current;
  auto finish = [&] {
    const size_t first = current.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
      const size_t last = current.find_last_not_of(" \t\r\n");
      statements.push_back(current.substr(first, last - first + 1));
    }
    current.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    size_t end = i + 1;  // one past what this step takes
    if (c == '\'' || c == '"') {
      while (end < text.size() && !(text[end] == c && !starts(text, end + 1, std::string_view(&c, 1)))) {
        end += text[end] == c ? 2 : 1;  // a doubled quote stays inside
      }
      end = std::min(end + 1, text.size());
      current.append(text.substr(i, end - i));
    } else if (starts(text, i, "$$")) {
      const size_t close = text.find("$$", i + 2);
      end = close == std::string_view::npos ? text.size() : close + 2;
      current.append(text.substr(i, end - i));
    } else if (starts(text, i, "--") || starts(text, i, "//")) {
      end = std::min(text.find('\n', i), text.size());  // the line break stays
    } else if (starts(text, i, "/*")) {
      const size_t close = text.find("*/", i + 2);
      end = close == std::string_view::npos ? text.size() : close + 2;
      current += ' ';
    } else if (c == ';') {
      finish();
    } else {
      current += c;
    }
    i = end;
  }
  finish();
  return statements;
}

// The statements to run: the argument, or those of -f FILE or stdin.
Result<std::vector<std::string>> statements_of(const CqlArgs& args) {
  if (!args.statement.empty() && args.statement != "-") return std::vector<std::string>{args.statement};
  std::string text;
  if (!args.file.empty() && args.file != "-") {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) return usage_error(fmt::format("-f {}: cannot read it", args.file));
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  auto statements = split_cql_statements(text);
  if (statements.empty()) return usage_error("no CQL statement given (an argument, -f FILE, or stdin)");
  return statements;
}

}  // namespace

int cql_command(const CqlArgs& args) {
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("cql", format.error());
  // With a config (-c, --set): its store.cassandra.* say where and how to connect.
  const bool from_config = !args.config_file.empty() || !args.overrides.empty();
  std::string consistency_name = args.consistency.empty() ? std::string("local_one") : args.consistency;
  Result<cql::SessionOptions> options = Error::make(Errc::config, "no connection");
  if (from_config) {
    auto config = load_pipeline_config(args.config_file, "", args.overrides);
    if (!config) return report_failure("cql", config.error());
    if (args.consistency.empty()) consistency_name = config->store.cassandra.consistency;
    options = cassandra_session_options(config->store.cassandra);
  } else {
    options = flag_session_options(args);
  }
  if (!options) return report_failure("cql", options.error());
  auto consistency = cql::parse_consistency(consistency_name);
  if (!consistency) return report_failure("cql", usage_error(consistency.error()));
  auto statements = statements_of(args);
  if (!statements) return report_failure("cql", statements.error());

  options->discover_nodes = false;  // a few statements: the contact point is enough
  options->on_warning = [](const std::string& warning) { fmt::print(stderr, "kascade cql: warning: {}\n", warning); };
  auto session = cql::Session::connect(std::move(*options));
  if (!session) return report_failure("cql", session.error());
  for (size_t i = 0; i < statements->size(); ++i) {
    auto rows = (*session)->query_all((*statements)[i], *consistency);
    if (!rows) {
      Error error = rows.error();
      if (statements->size() > 1) error.message = fmt::format("statement {}: {}", i + 1, error.message);
      // A statement Cassandra rejects (syntax, unknown table) is the command's argument: a usage error.
      const bool rejected = error.code == Errc::invalid_argument;
      return report_failure("cql", rejected ? usage_error(error) : error);
    }
    if (rows->metadata.columns.empty()) continue;  // DDL, INSERT...: nothing to show
    if (*format == OutputFormat::json || *format == OutputFormat::ndjson) {
      print_json(*rows, *format);
    } else {
      print_table(std::cout, to_table(*rows), *format);
    }
  }
  return kExitOk;
}

}  // namespace kascade
