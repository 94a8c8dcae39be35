// app/config_commands.cc: `kascade validate`, `kascade config-reference`, `kascade query`.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/sql_query.h"
#include "config/config.h"
#include "pipeline/config_check.h"
#include "pipeline/pipeline_config.h"
#include "process/transforms/spec_loader.h"

namespace kascade {

int validate_command(const ValidateArgs& args) {
  const std::string& config_file = args.config_file;
  // The file (or the built-in defaults), the --set overrides, the cross-field checks and every option's syntax.
  auto config = load_pipeline_config(config_file, "", args.overrides);
  if (!config) return report_failure("validate", config.error());
  // The pipeline spec: every problem, one line each (no file: the built-in users mapping).
  auto program =
      config_file.empty() ? Result<PipelineProgram>(PipelineProgram{}) : load_pipeline_spec_file(config_file);
  if (!program) {
    std::string_view lines = program.error().message;
    while (!lines.empty()) {
      const size_t end = lines.find('\n');
      report_failure("validate", Error::make(Errc::config, std::string(lines.substr(0, end))));
      lines = end == std::string_view::npos ? std::string_view() : lines.substr(end + 1);
    }
    return kExitUsage;
  }
  const std::string pipeline = *program
                                   ? fmt::format("table {}: {} columns, {} checks and a map", (*program)->schema.name,
                                                 (*program)->schema.columns.size(), (*program)->checks.size())
                                   : std::string("the built-in users mapping");
  fmt::print("{}: ok (bus {} topic '{}', source {}, store {}, {})\n",
             config_file.empty() ? std::string("the built-in pipeline") : config_file, option_name(config->bus.type),
             config->bus.topic, option_name(config->source.type), option_name(config->store.type), pipeline);
  return kExitOk;
}

int config_reference_command() {
  fmt::print("{}", config_reference_markdown());
  return kExitOk;
}

int query_command(const QueryArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return report_failure("query", config.error());
  // Not a SQLite file that may lie in the data dir from another run: this config's rows are in Cassandra.
  if (config->store.type == StoreType::cassandra) {
    return report_failure(
        "query", usage_error(fmt::format("{} is cassandra: `kascade query` reads the SQLite store; use `kascade cql "
                                         "-c {}` (CQL) for this config's tables",
                                         config->option_location("store.type"),
                                         args.config_file.empty() ? std::string("FILE") : args.config_file)));
  }
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("query", format.error());
  const auto timeout = parse_duration(args.timeout);
  if (!timeout || timeout->count() <= 0) {
    return report_failure("query", usage_error(fmt::format("--timeout '{}': expected e.g. 30s, 500ms", args.timeout)));
  }
  auto table = run_sql_query(config->store_path(), args.sql, *timeout);
  // A statement that does not compile or is refused is the command's argument: a usage error.
  if (!table && table.error().code == Errc::invalid_argument)
    return report_failure("query", usage_error(table.error()));
  if (!table) return report_failure("query", table.error());
  print_table(std::cout, *table, *format);
  return kExitOk;
}

}  // namespace kascade
