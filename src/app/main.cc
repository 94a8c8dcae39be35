// app/main.cc: the kascade command line (CLI11): subcommands, flags, exit codes.
#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "core/dead_letter.h"

namespace {

// CLI11's NonNegativeNumber and PositiveNumber name the largest double in their message; these say it plainly.
CLI::Validator at_least(long long minimum) {
  return CLI::Validator(
      [minimum](std::string& text) -> std::string {
        long double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return text + " is not a number";
        if (value < static_cast<long double>(minimum)) return text + " is less than " + std::to_string(minimum);
        return {};
      },
      ">=" + std::to_string(minimum));
}
const CLI::Validator kNotNegative = at_least(0);
const CLI::Validator kPositive = at_least(1);

// The --format of every listing command.
const std::vector<std::string> kFormats{"table", "csv", "json", "ndjson"};
constexpr const char* kFormatHelp = "table, csv, json (one array of objects) or ndjson (an object per line)";

void add_pipeline_flags(CLI::App* command, kascade::PipelineArgs& args) {
  command->add_option("-c,--config", args.config_file,
                      "Pipeline config (YAML); default: the embedded flagship pipeline");
  command->add_option("--data-dir", args.data_dir, "Directory of the embedded log and store (default ./kascade-data)");
  command->add_option("--source", args.source, "Source type (generator, randomuser, http)");
  command->add_option("--records", args.records, "Records the source produces in total in this data dir")
      ->check(kNotNegative);
  command->add_option("--duration", args.duration, "Stop after this long, e.g. 60s, 5m");
  command->add_option("--set", args.overrides, "Override a config option: --set bus.partitions=8 (repeatable)");
  command
      ->add_option_function<int>(
          "--http-port", [&args](int port) { args.overrides.push_back("observe.http_port=" + std::to_string(port)); },
          "Serve /healthz, /readyz and /metrics on this port (observe.http_port; 0: none)")
      ->check(CLI::Range(0, 65535));
}

// Every command that reads a config takes --set, applied after the file (or the defaults).
void add_set_flag(CLI::App* command, std::vector<std::string>& overrides) {
  // One value per --set: a positional after it (query's SQL) stays the positional.
  command->add_option("--set", overrides, "Override a config option: --set bus.topic=events (repeatable)")
      ->allow_extra_args(false);
}

}  // namespace

int main(int argc, char** argv) {
  kascade::install_failure_handlers();
  CLI::App app{"kascade: a real-time data pipeline (sources -> topic -> processor -> store)", "kascade"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "kascade " KASCADE_VERSION);

  kascade::PipelineArgs run_args, ingest_args, process_args;
  auto* run = app.add_subcommand("run", "Run the whole pipeline: source -> topic -> processor -> store");
  add_pipeline_flags(run, run_args);
  auto* ingest = app.add_subcommand("ingest", "Run the source only: source -> topic");
  add_pipeline_flags(ingest, ingest_args);
  auto* process = app.add_subcommand("process", "Run the processor only: topic -> store");
  add_pipeline_flags(process, process_args);
  process->add_flag("--until-caught-up", process_args.until_caught_up,
                    "Stop (exit 0) once the group's lag is 0: every partition committed up to its end offset "
                    "(batch runs, e.g. from Airflow)");

  kascade::QueryArgs query_args;
  auto* query = app.add_subcommand("query", "Run read-only SQL on the embedded store");
  query->add_option("-c,--config", query_args.config_file, "Pipeline config (to find the store)");
  query->add_option("--data-dir", query_args.data_dir, "Data directory (default ./kascade-data)");
  query->add_option("--format", query_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));
  query->add_option("sql", query_args.sql, "The SQL statement")->required();
  add_set_flag(query, query_args.overrides);
  query->add_option("--timeout", query_args.timeout, "Stop the query after this long, e.g. 30s (default), 500ms");

  kascade::CqlArgs cql_args;
  auto* cql = app.add_subcommand("cql",
                                 "Run CQL statements on Cassandra (exit 1: Cassandra unreachable or login refused; "
                                 "2: bad arguments or a statement Cassandra rejects)");
  auto* cql_config = cql->add_option(
      "-c,--config", cql_args.config_file,
      "Pipeline config: hosts, port, credentials and TLS from its store.cassandra.* (in place of the flags)");
  auto* cql_set = cql->add_option("--set", cql_args.overrides,
                                  "Override a config option: --set store.cassandra.hosts=db:9042 (repeatable)")
                      ->allow_extra_args(false);
  cql->add_option("-f,--file", cql_args.file, "Run the statements of this file (';' between them; '-': stdin)");
  auto* cql_hosts =
      cql->add_option("--hosts", cql_args.hosts, "Contact points host[:port],... (default 127.0.0.1:9042)");
  auto* cql_user = cql->add_option("--username", cql_args.username, "User (PasswordAuthenticator)");
  auto* cql_password =
      cql->add_option("--password-env", cql_args.password_env, "Environment variable holding the password");
  cql->add_option("--format", cql_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));
  cql->add_option("--consistency", cql_args.consistency,
                  "Consistency level (default local_one; with -c: store.cassandra.consistency)");
  auto* cql_timeout =
      cql->add_option("--connect-timeout-ms", cql_args.connect_timeout_ms, "Longest wait for a node to answer")
          ->check(CLI::Range(1, 600000));
  auto* cql_tls = cql->add_flag("--tls", cql_args.tls, "TLS to the CQL port (the node's certificate is verified)");
  auto* cql_ca =
      cql->add_option("--tls-ca-file", cql_args.tls_ca_file, "PEM CA bundle for --tls (default: the system's)");
  auto* cql_no_verify = cql->add_flag("--no-verify-host", cql_args.no_verify_host,
                                      "With --tls: do not check the host name in the certificate");
  for (auto* connection : {cql_hosts, cql_user, cql_password, cql_timeout, cql_tls, cql_ca, cql_no_verify}) {
    connection->excludes(cql_config)->excludes(cql_set);
  }
  auto* cql_statement =
      cql->add_option("statement", cql_args.statement,
                      "The CQL statement (none, and no -f: the statements on stdin, ';' between them)");
  cql_statement->excludes("--file");

  kascade::ValidateArgs validate_args;
  auto* validate = app.add_subcommand("validate", "Check a pipeline config and report every problem");
  validate->add_option("-c,--config", validate_args.config_file,
                       "The config file (default: the built-in pipeline, with its --set overrides)");
  add_set_flag(validate, validate_args.overrides);

  kascade::InspectArgs topics_args, lag_args;
  auto* topics = app.add_subcommand("topics", "List topics with partitions and offsets");
  auto* lag = app.add_subcommand("lag", "Consumer-group lag per partition");
  for (auto [command, args] : {std::pair{topics, &topics_args}, std::pair{lag, &lag_args}}) {
    command->add_option("-c,--config", args->config_file, "Pipeline config (to find the data dir)");
    command->add_option("--data-dir", args->data_dir, "Data directory (default ./kascade-data)");
    command->add_option("--format", args->format, kFormatHelp)->check(CLI::IsMember(kFormats));
    add_set_flag(command, args->overrides);
  }
  lag->add_option("--group", lag_args.group, "Only this consumer group");

  kascade::GenerateArgs generate_args;
  auto* generate =
      app.add_subcommand("generate", "Print the generator's users (NDJSON, as the API shapes them) or keys");
  generate->add_option("--records", generate_args.records, "How many")->check(kNotNegative);
  generate->add_option("--start", generate_args.start, "Index of the first user");
  generate->add_option("--seed", generate_args.seed, "Seed (the pipeline's source.seed)");
  generate->add_option("--malformed-ratio", generate_args.malformed_ratio, "Share of malformed records")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--format", generate_args.format, "json or keys")->check(CLI::IsMember({"json", "keys"}));

  kascade::DlqArgs dlq_args;
  auto* dlq = app.add_subcommand("dlq", "The dead letters: list them, or replay them through the current pipeline");
  dlq->require_subcommand(1);
  auto* dlq_ls = dlq->add_subcommand("ls", "List the dead letters (reason, source topic/partition/offset, attempts)");
  auto* dlq_replay = dlq->add_subcommand(
      "replay",
      "Map the dead letters again with the config's pipeline: those that pass land in the table and leave "
      "the dead letters (SQLite: one transaction per chunk); the others, and rows the store refuses (class sink), stay "
      "with attempts + 1");
  for (auto* command : {dlq_ls, dlq_replay}) {
    command->add_option("-c,--config", dlq_args.config_file, "Pipeline config (store and pipeline spec)");
    command->add_option("--data-dir", dlq_args.data_dir, "Data directory (default ./kascade-data)");
    command->add_option("--class", dlq_args.classes, "Only the dead letters of this error class (repeatable)")
        ->check(CLI::IsMember(
            std::vector<std::string>(kascade::dead_letter_class::all.begin(), kascade::dead_letter_class::all.end())));
    add_set_flag(command, dlq_args.overrides);
  }
  dlq_ls->add_option("--format", dlq_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));
  dlq_ls->add_option("--last", dlq_args.last, "Only the N most recent (0: all)")->check(CLI::NonNegativeNumber);

  kascade::LogArgs log_args;
  auto* log =
      app.add_subcommand("log", "The embedded log: verify every batch (check), quarantine corrupt ones (repair)");
  log->require_subcommand(1);
  auto* log_check =
      log->add_subcommand("check", "Verify the CRC of every stored batch (read-only; exit 1 if one is corrupt)");
  auto* log_repair = log->add_subcommand(
      "repair", "Move corrupt batches into their topic file's quarantined_batches table and print the offsets lost");
  for (auto* command : {log_check, log_repair}) {
    command->add_option("-c,--config", log_args.config_file, "Pipeline config (to find the data dir)");
    command->add_option("--data-dir", log_args.data_dir, "Data directory (default ./kascade-data)");
    command->add_option("--topic", log_args.topic, "Only this topic (default: every topic)");
    add_set_flag(command, log_args.overrides);
  }
  log_check->add_option("--format", log_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));

  auto* reference = app.add_subcommand("config-reference", "Print the configuration reference (Markdown)");

  kascade::MockApiArgs mock_args;
  auto* mock_api = app.add_subcommand(
      "mock-api", "Serve a local randomuser-compatible API with fault injection (tests, benchmarks)");
  mock_api->add_option("--host", mock_args.host, "Address to listen on (default 127.0.0.1)");
  mock_api->add_option("--port", mock_args.port, "Port (default 8080; 0: any free port, printed)")
      ->check(CLI::Range(0, 65535));
  mock_api->add_option("--fail-rate", mock_args.fail_rate, "Share of requests answered with a fault")
      ->check(CLI::Range(0.0, 1.0));
  mock_api->add_option("--faults", mock_args.faults, "Fault kinds: 5xx,429,truncated,malformed,reset,stall or all");
  mock_api->add_option("--fault-seed", mock_args.fault_seed, "Seed of the fault draw (reproducible runs)");
  mock_api->add_option("--latency-ms", mock_args.latency_ms, "Delay added to every answer")->check(kNotNegative);
  mock_api->add_option("--stall-ms", mock_args.stall_ms, "Pause of a stall fault")->check(kNotNegative);
  mock_api->add_option("--rate-limit", mock_args.rate_limit, "Requests per second before 429 (0: none)")
      ->check(kNotNegative);
  mock_api->add_option("--retry-after", mock_args.retry_after_seconds, "Retry-After seconds of 429 and 503 answers")
      ->check(kNotNegative);
  mock_api->add_option("--items", mock_args.items, "Items behind the paginated /items endpoint");

  kascade::ServeArgs serve_args;
  auto* serve = app.add_subcommand(
      "serve", "HTTP: push ingest (POST /v1/topics/{topic}/records) onto the bus, the dashboard at /, /metrics");
  serve->add_option("-c,--config", serve_args.config_file, "Pipeline config (bus and serve.* options)");
  serve->add_option("--data-dir", serve_args.data_dir, "Data directory (default ./kascade-data)");
  serve->add_option("--port", serve_args.port, "Port (overrides serve.port; 0: any free port, printed)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--set", serve_args.overrides, "Override a config option: --set serve.host=0.0.0.0 (repeatable)");

  kascade::ScheduleArgs schedule_args;
  auto* schedule = app.add_subcommand(
      "schedule",
      "Run the whole pipeline at each fire time, in this process; each run is recorded in <data-dir>/jobs.db");
  add_pipeline_flags(schedule, schedule_args.pipeline);
  schedule->get_option("--records")
      ->description("Records each run adds (the source resumes where the last run stopped)");
  schedule->get_option("--duration")->description("Bound of each run, e.g. 60s");
  auto* cron_flag = schedule->add_option("--cron", schedule_args.cron,
                                         "Cron expression in UTC: \"0 3 * * *\" (minute hour day month weekday), or "
                                         "@hourly, @daily, @weekly, @monthly, @yearly");
  schedule->add_option("--every", schedule_args.every, "Fixed interval between run starts, e.g. 30s, 1h")
      ->excludes(cron_flag);
  schedule->add_option("--runs", schedule_args.runs, "Stop after this many runs (default: until SIGTERM)")
      ->check(kPositive);
  schedule->add_option("--job", schedule_args.job, "Job name in job_runs (default 'default')");

  kascade::JobsArgs jobs_args;
  auto* jobs = app.add_subcommand("jobs", "The history of scheduled runs");
  jobs->require_subcommand(1);
  auto* jobs_ls = jobs->add_subcommand(
      "ls", "List the scheduled runs (job, run, start, end, records, rows, dead letters, outcome, reason)");
  jobs_ls->add_option("-c,--config", jobs_args.config_file, "Pipeline config (to find the data dir)");
  jobs_ls->add_option("--data-dir", jobs_args.data_dir, "Data directory (default ./kascade-data)");
  jobs_ls->add_option("--format", jobs_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));
  jobs_ls->add_option("--job", jobs_args.job, "Only this job's runs");
  add_set_flag(jobs_ls, jobs_args.overrides);

  kascade::SourcesArgs sources_args;
  auto* sources = app.add_subcommand("sources", "The positions sources stored on the bus (per source and topic)");
  sources->require_subcommand(1);
  auto* sources_ls = sources->add_subcommand("ls", "List every source's position (source, topic, position, updated)");
  auto* sources_reset = sources->add_subcommand("reset", "Move a source's position (default: back to the start)");
  for (auto* command : {sources_ls, sources_reset}) {
    command->add_option("-c,--config", sources_args.config_file, "Pipeline config (to find the bus)");
    command->add_option("--data-dir", sources_args.data_dir, "Data directory (default ./kascade-data)");
    command->add_option("--set", sources_args.overrides, "Override a config option: --set bus.type=kafka (repeatable)")
        ->allow_extra_args(false);  // `reset --set K=V NAME`: NAME stays the source's name
  }
  sources_ls->add_option("--format", sources_args.format, kFormatHelp)->check(CLI::IsMember(kFormats));
  sources_reset->add_option("name", sources_args.name, "The source's name (source.name, or its type)")->required();
  sources_reset->add_option("--topic", sources_args.topic, "The topic of the position (default: bus.topic)");
  sources_reset->add_option("--to", sources_args.to, "The new position, as `sources ls` shows it (default: the start)");

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
  if (cql->parsed()) return kascade::cql_command(cql_args);
  if (validate->parsed()) return kascade::validate_command(validate_args);
  if (dlq_ls->parsed()) return kascade::dlq_list_command(dlq_args);
  if (dlq_replay->parsed()) return kascade::dlq_replay_command(dlq_args);
  if (topics->parsed()) return kascade::topics_command(topics_args);
  if (lag->parsed()) return kascade::lag_command(lag_args);
  if (generate->parsed()) return kascade::generate_command(generate_args);
  if (reference->parsed()) return kascade::config_reference_command();
  if (log_check->parsed()) return kascade::log_check_command(log_args);
  if (log_repair->parsed()) return kascade::log_repair_command(log_args);
  if (mock_api->parsed()) return kascade::mock_api_command(mock_args);
  if (serve->parsed()) return kascade::serve_command(serve_args);
  if (schedule->parsed()) return kascade::schedule_command(schedule_args);
  if (jobs_ls->parsed()) return kascade::jobs_list_command(jobs_args);
  if (sources_ls->parsed()) return kascade::sources_list_command(sources_args);
  if (sources_reset->parsed()) return kascade::sources_reset_command(sources_args);
  return kascade::kExitUsage;
}
