// app/commands.h: the subcommands of the kascade binary; each returns the process exit code.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "pipeline/pipeline.h"

namespace kascade {

// Exit codes (docs/design.md): success, runtime failure, usage or config error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Prints "kascade <command>: <message>" on stderr and returns the exit code
// for the error: kExitUsage for Errc::config (a config or usage error), else
// kExitFailure (every runtime failure, Errc::invalid_argument included: a row
// or a value the pipeline met is not the user's command line).
int report_failure(const char* command, const Error& error);
// The error as a usage error (exit 2): a flag or argument of the command is wrong.
Error usage_error(std::string message);
Error usage_error(const Error& error);
// At the start of main: an uncaught exception, or standard output that could
// not be written, ends the process with kExitFailure and a message on stderr.
void install_failure_handlers();

// Options shared by the commands that load a pipeline config.
struct PipelineArgs {
  std::string config_file;  // empty: built-in defaults (the embedded flagship pipeline)
  std::string data_dir;
  std::string source;
  std::optional<int64_t> records;
  std::string duration;                // "60s", "5m", "500ms"; empty: unbounded
  std::vector<std::string> overrides;  // --set path=value
  bool until_caught_up = false;        // process: stop once the group's lag is 0
};

int run_pipeline_command(const PipelineArgs& args, PipelineRole role);

struct QueryArgs {
  std::string config_file;
  std::string data_dir;
  std::string format = "table";
  std::string sql;
  std::string timeout = "30s";         // the query is stopped (exit 1) after this long
  std::vector<std::string> overrides;  // --set path=value
};
int query_command(const QueryArgs& args);

struct CqlArgs {
  std::string config_file;             // the connection from its store.cassandra.* (in place of the flags below)
  std::vector<std::string> overrides;  // --set path=value
  std::string file;                    // statements (';' between them); "-": stdin
  std::string hosts = "127.0.0.1:9042";
  std::string username;
  std::string password_env;  // the variable's name; the password is never a flag
  std::string format = "table";
  std::string consistency;  // empty: local_one, or with a config store.cassandra.consistency
  int64_t connect_timeout_ms = 5000;
  bool tls = false;
  std::string tls_ca_file;
  bool no_verify_host = false;
  std::string statement;  // empty, and no file: the statements on stdin
};
int cql_command(const CqlArgs& args);

struct ValidateArgs {
  std::string config_file;             // empty: the built-in pipeline
  std::vector<std::string> overrides;  // --set path=value
};
int validate_command(const ValidateArgs& args);

// `kascade dlq ls | replay`: the dead letters of the store; replay runs them
// through the config's current pipeline (app/dlq_command.cc).
struct DlqArgs {
  std::string config_file;
  std::string data_dir;
  std::string format = "table";
  std::vector<std::string> classes;    // only the dead letters of these error classes (all when empty)
  int64_t last = 0;                    // ls: only the `last` most recent (all when 0)
  std::vector<std::string> overrides;  // --set path=value
};
int dlq_list_command(const DlqArgs& args);
int dlq_replay_command(const DlqArgs& args);

struct InspectArgs {
  std::string config_file;
  std::string data_dir;
  std::string format = "table";
  std::string group;                   // lag: empty = every group
  std::vector<std::string> overrides;  // --set path=value
};
int topics_command(const InspectArgs& args);
int lag_command(const InspectArgs& args);

int config_reference_command();

// `kascade log check | repair`: verify every batch of the embedded log (exit 1 if one is corrupt);
// move the corrupt ones into their topic file's quarantined_batches table (app/log_command.cc).
struct LogArgs {
  std::string config_file;
  std::string data_dir;
  std::string topic;  // empty: every topic
  std::string format = "table";
  std::vector<std::string> overrides;  // --set path=value
};
int log_check_command(const LogArgs& args);
int log_repair_command(const LogArgs& args);

struct GenerateArgs {
  std::string seed = "kascade";
  uint64_t start = 0;
  uint64_t records = 10;
  double malformed_ratio = 0;
  std::string format = "json";  // json: NDJSON users; keys: one record key per line
};
int generate_command(const GenerateArgs& args);

struct MockApiArgs {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed on stdout)
  double fail_rate = 0;
  std::string faults = "all";  // 5xx,429,truncated,malformed,reset,stall
  uint64_t fault_seed = 1;
  int64_t latency_ms = 0;
  int64_t stall_ms = 3000;
  double rate_limit = 0;
  int retry_after_seconds = 1;
  uint64_t items = 100000;
};
int mock_api_command(const MockApiArgs& args);

// `kascade serve`: push ingest over HTTP onto the bus, until SIGINT/SIGTERM.
struct ServeArgs {
  std::string config_file;
  std::string data_dir;
  std::optional<int> port;             // overrides serve.port
  std::vector<std::string> overrides;  // --set path=value
};
int serve_command(const ServeArgs& args);

// `kascade schedule`: the whole pipeline at each fire time (--cron or --every),
// each run a Pipeline in this process, recorded in <data_dir>/jobs.db; `kascade jobs ls` lists them
// (app/schedule_command.cc, app/schedule_jobs.cc).
struct ScheduleArgs {
  PipelineArgs pipeline;  // records: per run (not a total)
  std::string cron;
  std::string every;
  int64_t runs = 0;  // 0: until SIGTERM/SIGINT
  std::string job = "default";
};
int schedule_command(const ScheduleArgs& args);
struct JobsArgs {
  std::string config_file;
  std::string data_dir;
  std::string format = "table";
  std::string job;                     // only this job's runs (all when empty)
  std::vector<std::string> overrides;  // --set path=value
};
int jobs_list_command(const JobsArgs& args);

// `kascade sources ls | reset`: the positions sources stored on the bus, per
// source name and topic; reset moves one (app/sources_command.cc).
struct SourcesArgs {
  std::string config_file;
  std::string data_dir;
  std::vector<std::string> overrides;  // --set path=value
  std::string format = "table";
  std::string name;               // reset: the source
  std::string topic;              // reset: empty = bus.topic
  std::optional<std::string> to;  // reset: the new position (nullopt: the start)
};
int sources_list_command(const SourcesArgs& args);
int sources_reset_command(const SourcesArgs& args);

// "60s", "5m", "1h", "250ms", "2" (seconds).
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace kascade
