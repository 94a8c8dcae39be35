// app/pipeline_command.cc: `kascade run | ingest | process`: arguments in, a Pipeline run, the summary out.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "app/command_log.h"
#include "app/commands.h"
#include "app/observe_endpoint.h"
#include "app/progress.h"
#include "app/stop_signals.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_config.h"

namespace kascade {
namespace {

// The line a finished run prints: what went through, where to, how fast.
std::string run_summary(const char* command, PipelineRole role, const Pipeline& pipeline) {
  const PipelineCounters& counters = pipeline.counters();
  const PipelineReport& report = pipeline.report();
  const std::string& topic = pipeline.config().bus.topic;
  std::string summary = fmt::format("kascade {}: {:.1f}s", command, report.seconds);
  if (role != PipelineRole::process) {
    summary +=
        fmt::format(", ingested {} records ({}/s) into topic '{}'", with_thousands(counters.ingested),
                    with_thousands(static_cast<uint64_t>(counters.ingested / std::max(report.seconds, 1e-3))), topic);
    if (report.ingest.done_at) {
      summary += fmt::format(
          " (source '{}' had nothing more: its position on topic '{}' is '{}'; "
          "`kascade sources reset {}` starts it over)",
          report.source_name, topic, *report.ingest.done_at, report.source_name);
    }
  }
  if (role != PipelineRole::ingest) {
    summary += fmt::format(", landed {} rows and {} dead letters in {} ({} sink writes)",
                           with_thousands(counters.rows_landed), with_thousands(counters.dead_letters),
                           report.store_description, with_thousands(counters.sink_batches));
  }
  if (report.stopped) {
    summary += " (interrupted)";
  } else if (report.caught_up) {
    summary +=
        fmt::format(" (caught up: group '{}' has no lag on topic '{}')", pipeline.config().processor.group, topic);
  }
  return summary;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  const int64_t value = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit.empty() || unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  return std::nullopt;
}

int run_pipeline_command(const PipelineArgs& args, PipelineRole role) {
  const char* command = role == PipelineRole::all ? "run" : role == PipelineRole::ingest ? "ingest" : "process";
  // `process` runs no source: a source option would be silently ignored.
  if (role == PipelineRole::process && (args.records || !args.source.empty())) {
    return report_failure(command, usage_error(fmt::format("{}: `process` runs no source (it reads the topic); "
                                                           "`ingest` or `run` take it",
                                                           args.records ? "--records" : "--source")));
  }
  std::vector<std::string> overrides = args.overrides;
  if (!args.source.empty()) overrides.push_back("source.type=" + args.source);
  if (args.records) overrides.push_back(fmt::format("source.records={}", *args.records));
  auto config = load_pipeline_config(args.config_file, args.data_dir, overrides);
  if (!config) return report_failure(command, config.error());
  start_command_log(command, *config);
  PipelineOptions options{.role = role, .config_file = args.config_file, .until_caught_up = args.until_caught_up};
  if (!args.duration.empty()) {
    options.duration = parse_duration(args.duration);
    if (!options.duration) {
      return report_failure(
          command, usage_error(fmt::format("--duration '{}': expected e.g. 60s, 5m, 1h, 500ms", args.duration)));
    }
  }

  // Before anything starts a thread (librdkafka does, on open): a signal stops the pipeline at
  // the next batch boundary, whichever thread it reaches.
  std::atomic<Pipeline*> running{nullptr};
  StopSignals stop_signals([&running] {
    if (Pipeline* pipeline = running.load()) pipeline->stop();
  });
  auto pipeline = Pipeline::open(*config, options);
  if (!pipeline) return report_failure(command, pipeline.error());
  running = pipeline->get();
  auto observe = start_observe_endpoint(command, *config, role);
  if (!observe) return report_failure(command, observe.error());
  if (*observe) (*observe)->attach(pipeline->get());
  if (stop_signals.received()) (*pipeline)->stop();

  ProgressLine progress((*pipeline)->counters());
  progress.start();
  Status status = (*pipeline)->start();
  if (status.ok()) status = (*pipeline)->wait();
  progress.stop();
  running = nullptr;
  if (*observe) (*observe)->stop();
  if (!status.ok()) return report_failure(command, status.error());
  fmt::print("{}\n", run_summary(command, role, **pipeline));
  // Stopped by a signal before its goal (--duration, --records, a caught-up group): 130 or 143, not success.
  if (stop_signals.received() && (*pipeline)->report().stopped) return stop_signals.exit_code();
  return kExitOk;
}

}  // namespace kascade
