// app/schedule_command.cc: `kascade schedule`: a Pipeline run in this process at each cron or fixed-interval
// tick, each run (and each tick skipped because a run was still going) recorded in <data_dir>/jobs.db.
#include <fmt/format.h>

#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "app/command_log.h"
#include "app/commands.h"
#include "app/observe_endpoint.h"
#include "app/stop_signals.h"
#include "core/log.h"
#include "core/timestamp.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_config.h"
#include "schedule/fire_times.h"
#include "schedule/job_history.h"

namespace kascade {
namespace {

using namespace std::chrono;

// How often a running run's counts are written to its row (what `jobs ls` and a
// later `interrupted` row show of a run in progress).
constexpr milliseconds kProgressEvery{1000};
constexpr milliseconds kPollEvery{50};

SysMs now_sys_ms() { return SysMs(milliseconds(now_ms())); }
std::string iso(SysMs when) { return format_iso8601_ms(when.time_since_epoch().count()); }

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

RunCounts counts_of(const PipelineCounters& counters) {
  return RunCounts{static_cast<int64_t>(counters.ingested.load()), static_cast<int64_t>(counters.rows_landed.load()),
                   static_cast<int64_t>(counters.dead_letters.load())};
}

// The schedule's state shared with the signal thread: the pipeline now running
// (stopped by a signal) and a wake-up for the waits between runs.
class Stopper {
 public:
  void on_signal() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    if (running_) running_->stop();
    woken_.notify_all();
  }
  // Sets the running pipeline (nullptr when none); a stop already asked for stops it at once.
  void set_running(Pipeline* pipeline) {
    std::lock_guard lock(mutex_);
    running_ = pipeline;
    if (running_ && stopped_) running_->stop();
  }
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }
  // Waits until `when` or a stop; false when stopped.
  bool wait_until(SysMs when) {
    std::unique_lock lock(mutex_);
    woken_.wait_until(lock, when, [this] { return stopped_; });
    return !stopped_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable woken_;
  Pipeline* running_ = nullptr;
  bool stopped_ = false;
};

struct Schedule {
  const ScheduleArgs& args;
  PipelineOptions options;
  JobHistory& history;
  FireTimes& ticks;
  Stopper& stopper;
  ObserveServer* observe = nullptr;  // the endpoint (--http-port), if any
  ProcessIdentity self = this_process();
};

// Records as skipped every tick up to `now` (they came while run `run` was going).
Status skip_ticks_until(Schedule& schedule, SysMs now, int64_t run) {
  while (schedule.ticks.next() && *schedule.ticks.next() <= now) {
    const SysMs tick = *schedule.ticks.next();
    schedule.ticks.advance();
    const std::string reason = fmt::format("run {} was still running: overlapping ticks are skipped", run);
    if (auto status =
            schedule.history.record_skipped(schedule.args.job, tick.time_since_epoch().count(), reason, schedule.self);
        !status) {
      return status;
    }
    fmt::print("kascade schedule: job '{}' tick {} skipped: {}\n", schedule.args.job, iso(tick), reason);
    std::fflush(stdout);
  }
  return ok_status();
}

struct RunEnd {
  std::string outcome;
  Error error;  // when failed
};

// One run: a Pipeline in this process, its row `running` from the start, its
// counts written every second, its outcome at the end.
Result<RunEnd> run_once(Schedule& schedule, Config config) {
  const ScheduleArgs& args = schedule.args;
  auto row = schedule.history.begin_run(args.job, now_ms(), schedule.self);
  if (!row) return row.error();
  RunEnd end{job_outcome::ok, {}};
  RunCounts counts;
  Status status;
  if (args.pipeline.records) {
    auto position = topic_records(config);
    if (!position)
      status = position.error();
    else
      config.source.records = *position + *args.pipeline.records;
  }
  std::unique_ptr<Pipeline> pipeline;
  if (status.ok()) {
    auto opened = Pipeline::open(config, schedule.options);
    if (opened)
      pipeline = std::move(*opened);
    else
      status = opened.error();
  }
  if (pipeline) {
    schedule.stopper.set_running(pipeline.get());
    if (schedule.observe) schedule.observe->attach(pipeline.get());
    status = pipeline->start();
    std::atomic<bool> done{false};
    Status waited;
    std::thread waiter([&] {
      waited = pipeline->wait();
      done = true;
    });
    auto last_progress = steady_clock::now();
    Status bookkeeping;
    while (!done.load() && bookkeeping.ok()) {
      std::this_thread::sleep_for(kPollEvery);
      bookkeeping = skip_ticks_until(schedule, now_sys_ms(), *row->run);
      if (bookkeeping.ok() && steady_clock::now() - last_progress >= kProgressEvery) {
        last_progress = steady_clock::now();
        bookkeeping = schedule.history.update_run(row->id, counts_of(pipeline->counters()), now_ms());
      }
    }
    if (!bookkeeping.ok()) pipeline->stop();  // the history cannot be written: the run stops, the schedule fails
    waiter.join();
    schedule.stopper.set_running(nullptr);
    if (schedule.observe) schedule.observe->attach(nullptr);
    if (!bookkeeping.ok()) return bookkeeping.error();
    if (status.ok()) status = waited;
    counts = counts_of(pipeline->counters());
    const bool stopped = pipeline->report().stopped;
    pipeline.reset();  // closes the bus and the sink, releases the data dir
    if (status.ok() && stopped) end.outcome = job_outcome::stopped;
  }
  if (!status.ok()) end = RunEnd{job_outcome::failed, status.error()};
  const std::string reason = end.outcome == job_outcome::failed    ? end.error.message
                             : end.outcome == job_outcome::stopped ? "a stop signal: stopped at a batch boundary"
                                                                   : "";
  if (auto recorded = schedule.history.finish_run(row->id, now_ms(), counts, end.outcome, reason); !recorded) {
    return recorded.error();
  }
  if (auto skipped = skip_ticks_until(schedule, now_sys_ms(), *row->run); !skipped) return skipped.error();
  fmt::print("kascade schedule: job '{}' run {} {}: {} records, {} rows, {} dead letters\n", args.job, *row->run,
             end.outcome, counts.records, counts.rows, counts.dead_letters);
  if (end.outcome == job_outcome::failed) {
    logging::error("schedule", fmt::format("job '{}' run {} failed: {}", args.job, *row->run, end.error.message),
                   {{"job", args.job}, {"run", *row->run}, {"cause", end.error.message}});
  }
  std::fflush(stdout);
  return end;
}

void print_next(const Schedule& schedule) {
  if (auto next = schedule.ticks.next()) {
    fmt::print("kascade schedule: job '{}': next run at {}\n", schedule.args.job, iso(*next));
  } else {
    fmt::print("kascade schedule: job '{}': the cron '{}' never fires again\n", schedule.args.job, schedule.args.cron);
  }
  std::fflush(stdout);
}

}  // namespace

int schedule_command(const ScheduleArgs& args) {
  const char* command = "schedule";
  if (args.cron.empty() == args.every.empty())
    return report_failure(command, usage_error("give exactly one of --cron or --every"));
  std::optional<CronSchedule> cron;
  std::optional<milliseconds> every;
  if (!args.cron.empty()) {
    auto parsed = CronSchedule::parse(args.cron);
    if (!parsed) return report_failure(command, usage_error(parsed.error()));
    cron = std::move(*parsed);
  } else {
    every = parse_duration(args.every);
    if (!every || every->count() <= 0) {
      return report_failure(command, usage_error(fmt::format("--every '{}': expected e.g. 30s, 5m, 1h", args.every)));
    }
  }
  const PipelineArgs& pipeline = args.pipeline;
  std::vector<std::string> overrides = pipeline.overrides;
  if (!pipeline.source.empty()) overrides.push_back("source.type=" + pipeline.source);
  auto config = load_pipeline_config(pipeline.config_file, pipeline.data_dir, overrides);
  if (!config) return report_failure(command, config.error());
  start_command_log(command, *config);
  PipelineOptions options{.role = PipelineRole::all, .config_file = pipeline.config_file};
  if (!pipeline.duration.empty()) {
    options.duration = parse_duration(pipeline.duration);
    if (!options.duration) {
      return report_failure(
          command, usage_error(fmt::format("--duration '{}': expected e.g. 60s, 5m, 1h, 500ms", pipeline.duration)));
    }
  }

  // Before any thread starts (librdkafka's, the pipeline's): SIGINT/SIGTERM stop
  // the running pipeline at a batch boundary, or end the wait for the next tick.
  Stopper stopper;
  StopSignals signals([&stopper] { stopper.on_signal(); });

  std::error_code ignored;
  std::filesystem::create_directories(config->data_dir, ignored);
  JobHistory history;
  if (auto status = history.open(job_history_file(config->data_dir)); !status) {
    return report_failure(command, status.error());
  }
  // Runs left `running` by a scheduler that is gone (kill -9, a crash) ended with it.
  auto marked = history.mark_interrupted(is_alive);
  if (!marked) return report_failure(command, marked.error());

  FireTimes ticks = every ? FireTimes::every(*every, now_sys_ms()) : FireTimes::cron(*cron, now_sys_ms());
  if (!ticks.next()) return report_failure(command, usage_error(fmt::format("cron '{}' never fires", args.cron)));
  auto observe = start_observe_endpoint(command, *config, PipelineRole::all);
  if (!observe) return report_failure(command, observe.error());
  Schedule schedule{args, options, history, ticks, stopper, observe->get()};
  print_next(schedule);
  bool any_failed = false;
  // A signal that stops a run in progress, or comes before --runs were made, ends the schedule before its
  // goal: exit 130 or 143. Between the runs of an endless schedule, it is the schedule's normal end.
  bool cut_short = false;
  for (int64_t run = 1; args.runs == 0 || run <= args.runs; ++run) {
    if (!ticks.next() || !stopper.wait_until(*ticks.next())) {
      cut_short = args.runs > 0;
      break;
    }
    ticks.advance();  // this tick is the run's
    auto end = run_once(schedule, *config);
    if (!end) return report_failure(command, end.error());
    if (end->outcome == job_outcome::stopped || stopper.stopped()) {
      cut_short = end->outcome == job_outcome::stopped || run < args.runs;
      break;
    }
    if (end->outcome == job_outcome::failed) {
      any_failed = true;
      // A config mistake does not mend itself: no point in the next tick.
      if (end->error.code == Errc::config) return report_failure(command, end->error);
    }
    if (args.runs == 0 || run < args.runs) print_next(schedule);
  }
  if (any_failed) return kExitFailure;
  return cut_short && signals.received() ? signals.exit_code() : kExitOk;
}

}  // namespace kascade
