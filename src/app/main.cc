// app/main.cc: the kascade command line (CLI11): subcommands, flags, exit codes.
#include <CLI/CLI.hpp>

#include "app/commands.h"

namespace {

void add_pipeline_flags(CLI::App* command, kascade::PipelineArgs& args) {
  command->add_option("-c,--config", args.config_file, "Pipeline config (YAML); default: the embedded flagship pipeline");
  command->add_option("--data-dir", args.data_dir, "Directory of the embedded log and store (default ./kascade-data)");
  command->add_option("--source", args.source, "Source type (generator)");
  command->add_option("--records", args.records, "Records the source produces in total in this data dir")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--duration", args.duration, "Stop after this long, e.g. 60s, 5m");
  command->add_option("--set", args.overrides, "Override a config option: --set bus.partitions=8 (repeatable)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kascade: a real-time data pipeline (sources -> topic -> processor -> store)", "kascade"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kascade 0.1.0");

  kascade::PipelineArgs run_args, ingest_args, process_args;
  auto* run = app.add_subcommand("run", "Run the whole pipeline: source -> topic -> processor -> store");
  add_pipeline_flags(run, run_args);
  auto* ingest = app.add_subcommand("ingest", "Run the source only: source -> topic");
  add_pipeline_flags(ingest, ingest_args);
  auto* process = app.add_subcommand("process", "Run the processor only: topic -> store");
  add_pipeline_flags(process, process_args);

  kascade::QueryArgs query_args;
  auto* query = app.add_subcommand("query", "Run read-only SQL on the embedded store");
  query->add_option("-c,--config", query_args.config_file, "Pipeline config (to find the store)");
  query->add_option("--data-dir", query_args.data_dir, "Data directory (default ./kascade-data)");
  query->add_option("--format", query_args.format, "table, csv or json")->check(CLI::IsMember({"table", "csv", "json"}));
  query->add_option("sql", query_args.sql, "The SQL statement")->required();

  std::string validate_file;
  auto* validate = app.add_subcommand("validate", "Check a pipeline config and report every problem");
  validate->add_option("-c,--config", validate_file, "The config file")->required();

  kascade::InspectArgs topics_args, lag_args;
  auto* topics = app.add_subcommand("topics", "List topics with partitions and offsets");
  auto* lag = app.add_subcommand("lag", "Consumer-group lag per partition");
  for (auto [command, args] : {std::pair{topics, &topics_args}, std::pair{lag, &lag_args}}) {
    command->add_option("-c,--config", args->config_file, "Pipeline config (to find the data dir)");
    command->add_option("--data-dir", args->data_dir, "Data directory (default ./kascade-data)");
    command->add_option("--format", args->format, "table, csv or json")->check(CLI::IsMember({"table", "csv", "json"}));
  }
  lag->add_option("--group", lag_args.group, "Only this consumer group");

  kascade::GenerateArgs generate_args;
  auto* generate = app.add_subcommand("generate", "Print the generator's users (NDJSON, as the API shapes them) or keys");
  generate->add_option("--records", generate_args.records, "How many")->check(CLI::NonNegativeNumber);
  generate->add_option("--start", generate_args.start, "Index of the first user");
  generate->add_option("--seed", generate_args.seed, "Seed (the pipeline's source.seed)");
  generate->add_option("--malformed-ratio", generate_args.malformed_ratio, "Share of malformed records")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--format", generate_args.format, "json or keys")->check(CLI::IsMember({"json", "keys"}));

  auto* reference = app.add_subcommand("config-reference", "Print the configuration reference (Markdown)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kascade::kExitOk : kascade::kExitUsage;
  }

  if (run->parsed()) return kascade::run_pipeline_command(run_args, kascade::PipelineRole::all);
  if (ingest->parsed()) return kascade::run_pipeline_command(ingest_args, kascade::PipelineRole::ingest);
  if (process->parsed()) return kascade::run_pipeline_command(process_args, kascade::PipelineRole::process);
  if (query->parsed()) return kascade::query_command(query_args);
  if (validate->parsed()) return kascade::validate_command(validate_file);
  if (topics->parsed()) return kascade::topics_command(topics_args);
  if (lag->parsed()) return kascade::lag_command(lag_args);
  if (generate->parsed()) return kascade::generate_command(generate_args);
  if (reference->parsed()) return kascade::config_reference_command();
  return kascade::kExitUsage;
}
