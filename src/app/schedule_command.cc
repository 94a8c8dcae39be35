// app/schedule_command.cc: `kascade schedule` (run the pipeline at cron or fixed-interval fire times,
// recording each run in job_runs) and `kascade jobs ls`.
#include <signal.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "pipeline/bus_factory.h"
#include "app/commands.h"
#include "pipeline/pipeline_config.h"
#include "app/tabular_output.h"
#include "core/timestamp.h"
#include "process/transforms/spec_loader.h"
#include "schedule/cron.h"
#include "schedule/job_history.h"

namespace kascade {
namespace {

using namespace std::chrono;

std::atomic<bool> g_stop{false};
void on_stop_signal(int) { g_stop.store(true); }

void install_stop_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

Error usage(std::string message) { return usage_error(std::move(message)); }

struct StoreCounts {
  int64_t rows = 0, dead_letters = 0;
};

// Row count of `table` (0 when the table does not exist yet); SQL identifiers quoted.
Result<int64_t> count_rows(SqliteConnection& db, const std::string& table) {
  auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  if (!exists) return exists.error();
  exists->bind_text(1, table);
  if (exists->step() != SQLITE_ROW) return int64_t{0};
  std::string quoted = "\"";
  for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  auto count = db.prepare("SELECT count(*) FROM " + quoted + "\"");
  if (!count) return count.error();
  if (const int rc = count->step(); rc != SQLITE_ROW) return db.error(rc, "count rows of " + table);
  return count->column_int(0);
}

Result<StoreCounts> read_store_counts(const std::filesystem::path& store, const std::string& table) {
  StoreCounts counts;
  if (!std::filesystem::exists(store)) return counts;
  SqliteConnection db;
  if (auto status = db.open(store.string(), SqliteConnection::Mode::read_only, 10000); !status) return status.error();
  auto rows = count_rows(db, table);
  if (!rows) return rows.error();
  auto dead = count_rows(db, "dead_letters");
  if (!dead) return dead.error();
  return StoreCounts{*rows, *dead};
}

// Records the topic holds in total: where the generator source resumes, so that
// `--records N` per run becomes the total bound "what is there + N".
Result<int64_t> topic_records(const Config& config) {
  auto bus = open_bus(config, BusUse::inspect);
  if (!bus && bus.error().code == Errc::not_found) return int64_t{0};  // a fresh data dir: no log yet
  if (!bus) return bus.error();
  auto info = (*bus)->describe(config.bus.topic);
  if (!info) return info.error().code == Errc::not_found ? Result<int64_t>(int64_t{0}) : Result<int64_t>(info.error());
  int64_t total = 0;
  for (const PartitionInfo& p : info->partitions) total += p.end_offset;
  return total;
}

struct ChildRun {
  int code = -1;
  std::string last_error_line;  // the last line the run wrote on stderr (its error, when it failed)
};

// Copies what the child wrote on stderr through to ours, keeping the last complete line.
void relay_stderr(int fd, std::string& pending, std::string& last_line) {
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) {
    (void)!write(STDERR_FILENO, buffer, static_cast<size_t>(n));
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      if (end > 0) last_line = pending.substr(0, end);
    }
  }
}

// One pipeline run in a child process: it has its own signal handlers and
// state, so a stop signal here reaches the run (forwarded) and the schedule.
// Its stderr passes through a pipe, so the run's last error line can be kept.
ChildRun run_in_child(const PipelineArgs& args) {
  std::fflush(stdout);
  std::fflush(stderr);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  const pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return {};
  }
  if (child == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[1]);
    const int code = run_pipeline_command(args, PipelineRole::all);
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }
  close(pipe_fds[1]);
  fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  ChildRun run;
  std::string pending;
  bool forwarded = false;
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    relay_stderr(pipe_fds[0], pending, run.last_error_line);
    if (g_stop.load() && !forwarded) {
      kill(child, SIGTERM);
      forwarded = true;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  relay_stderr(pipe_fds[0], pending, run.last_error_line);
  if (!pending.empty()) run.last_error_line = pending;
  close(pipe_fds[0]);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// Sleeps until `when` (or a stop signal); false when stopped.
bool wait_until(system_clock::time_point when) {
  while (system_clock::now() < when) {
    if (g_stop.load()) return false;
    std::this_thread::sleep_for(std::min<system_clock::duration>(milliseconds(100), when - system_clock::now()));
  }
  return !g_stop.load();
}

}  // namespace

int schedule_command(const ScheduleArgs& args) {
  const char* command = "schedule";
  if (args.cron.empty() == args.every.empty()) return report_failure(command, usage("give exactly one of --cron or --every"));
  std::optional<CronSchedule> cron;
  std::optional<milliseconds> every;
  if (!args.cron.empty()) {
    auto parsed = CronSchedule::parse(args.cron);
    if (!parsed) return report_failure(command, usage_error(parsed.error()));
    cron = std::move(*parsed);
  } else {
    every = parse_duration(args.every);
    if (!every || every->count() <= 0) {
      return report_failure(command, usage(fmt::format("--every '{}': expected e.g. 30s, 5m, 1h", args.every)));
    }
  }
  const PipelineArgs& pipeline = args.pipeline;
  std::vector<std::string> overrides = pipeline.overrides;
  if (!pipeline.source.empty()) overrides.push_back("source.type=" + pipeline.source);
  auto config = load_pipeline_config(pipeline.config_file, pipeline.data_dir, overrides);
  if (!config) return report_failure(command, config.error());
  if (config->store.type != StoreType::sqlite) {
    return report_failure(command, Error::make(Errc::config, "schedule counts each run's rows in the embedded store: "
                                                             "it needs store.type sqlite"));
  }
  auto program = pipeline.config_file.empty() ? Result<PipelineProgram>(PipelineProgram())
                                              : load_pipeline_spec_file(pipeline.config_file);
  if (!program) return report_failure(command, program.error());
  const std::string table = *program ? (*program)->schema.name : "users";
  const std::filesystem::path store = config->store_path();

  install_stop_handlers();
  auto fire = system_clock::now();  // --every: the first run starts now
  if (cron) {
    auto next = cron->next_fire(floor<seconds>(system_clock::now()));
    if (!next) return report_failure(command, usage(fmt::format("cron '{}' never fires", args.cron)));
    fire = *next;
  }
  bool any_failed = false;
  for (int64_t run = 1; args.runs == 0 || run <= args.runs; ++run) {
    if (!wait_until(fire)) break;
    PipelineArgs run_args = pipeline;
    if (pipeline.records) {
      auto position = topic_records(*config);
      if (!position) return report_failure(command, position.error());
      run_args.records = *position + *pipeline.records;
    }
    auto before = read_store_counts(store, table);
    if (!before) return report_failure(command, before.error());
    const int64_t started_ms = now_ms();
    const ChildRun child = run_in_child(run_args);
    const int code = child.code;
    const int64_t ended_ms = now_ms();
    auto after = read_store_counts(store, table);
    if (!after) return report_failure(command, after.error());

    JobRun record{.job = args.job,
                  .started_at_ms = started_ms,
                  .ended_at_ms = ended_ms,
                  .records = after->rows - before->rows,
                  .errors = after->dead_letters - before->dead_letters,
                  .outcome = code == kExitOk ? "ok" : "failed",
                  .message = code == kExitOk ? ""
                             : child.last_error_line.empty()
                                 ? fmt::format("the pipeline run exited with code {}", code)
                                 : fmt::format("exit code {}: {}", code, child.last_error_line)};
    any_failed = any_failed || code != kExitOk;
    JobHistory history;
    if (auto status = history.open(store.string()); !status) return report_failure(command, status.error());
    if (auto status = history.record(record); !status) return report_failure(command, status.error());
    fmt::print("kascade schedule: job '{}' run {} {}: {} rows, {} dead letters\n", args.job, run, record.outcome,
               record.records, record.errors);
    std::fflush(stdout);

    if (every) {
      fire += *every;
      if (fire < system_clock::now()) fire = system_clock::now();  // a run longer than the interval: no catch-up burst
    } else {
      auto next = cron->next_fire(floor<seconds>(system_clock::now()));
      if (!next) break;
      fire = *next;
    }
  }
  return any_failed ? kExitFailure : kExitOk;
}

int jobs_list_command(const JobsArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir);
  auto format = parse_output_format(args.format);
  if (!config || !format) return report_failure("jobs", !config ? config.error() : format.error());
  ResultTable table{{"job", "started_at", "ended_at", "records", "errors", "outcome", "message"}, {}};
  const std::filesystem::path store = config->store_path();
  if (std::filesystem::exists(store)) {
    JobHistory history;
    if (auto status = history.open_read_only(store.string()); !status) return report_failure("jobs", status.error());
    auto runs = history.list();
    if (!runs) return report_failure("jobs", runs.error());
    for (const JobRun& run : *runs) {
      table.rows.push_back({run.job, format_iso8601_ms(run.started_at_ms), format_iso8601_ms(run.ended_at_ms),
                            run.records, run.errors, run.outcome, run.message});
    }
  }
  print_table(std::cout, table, *format);
  return kExitOk;
}

}  // namespace kascade
