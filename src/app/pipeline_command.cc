// app/pipeline_command.cc: `kascade run | ingest | process` on the configured bus and store.
#include <pthread.h>

#include <csignal>
#include <thread>

#include <fmt/format.h>

#include "app/commands.h"
#include "pipeline/ingest_loop.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/process_lock.h"
#include "app/progress.h"
#include "pipeline/sink_factory.h"
#include "pipeline/window_config.h"
#include "process/transforms/spec_loader.h"
#include "pipeline/source_factory.h"
#include "pipeline/bus_factory.h"
#include "core/timestamp.h"
#include "process/processor.h"

namespace kascade {
namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted.store(true); }

void install_signal_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
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
  std::vector<std::string> overrides = args.overrides;
  if (!args.source.empty()) overrides.push_back("source.type=" + args.source);
  if (args.records) overrides.push_back(fmt::format("source.records={}", *args.records));
  auto config = load_pipeline_config(args.config_file, args.data_dir, overrides);
  if (!config) return report_failure(command, config.error());
  // The config's pipeline spec (`table`, `transforms`), if it has one; else the flagship
  // pipeline (configs/flagship.yaml, embedded), whose `users` table the default windows read.
  auto spec = args.config_file.empty() ? Result<PipelineProgram>(PipelineProgram())
                                       : load_pipeline_spec_file(args.config_file);
  if (!spec) return report_failure(command, spec.error());
  const bool custom_table = *spec != nullptr;
  auto program = custom_table ? spec : flagship_program();
  if (!program) return report_failure(command, program.error());
  auto window_plan = window_plan_from_config(*config, custom_table);
  if (!window_plan) return report_failure(command, window_plan.error());
  std::optional<std::chrono::milliseconds> duration;
  if (!args.duration.empty()) {
    duration = parse_duration(args.duration);
    if (!duration) {
      return report_failure(command, usage_error(
                                       fmt::format("--duration '{}': expected e.g. 60s, 5m, 1h, 500ms", args.duration)));
    }
  }

  install_signal_handlers();
  auto bus = open_bus(*config);
  if (!bus) return report_failure(command, bus.error());
  const std::string& topic = config->bus.topic;
  if (auto created = (*bus)->create_topic(topic, static_cast<int32_t>(config->bus.partitions)); !created.ok()) {
    return report_failure(command, created.error());
  }
  // One processor per embedded data dir (pipeline/process_lock.h), held until the command returns.
  auto process_lock = role == PipelineRole::ingest ? Result<ProcessLock>(ProcessLock())
                                                   : lock_data_dir_for_processing(*config);
  if (!process_lock) return report_failure(command, process_lock.error());

  PipelineCounters counters;
  ProgressLine progress(counters);
  progress.start();
  const auto started = std::chrono::steady_clock::now();
  const bool ingesting = role != PipelineRole::process;
  const bool processing = role != PipelineRole::ingest;

  // Stops: a signal stops everything; --duration stops the source (and, for
  // `process` alone, the processor); `run` then drains what the topic holds.
  std::atomic<bool> stop_ingest{false}, stop_processor{false}, ingest_done{!ingesting};
  std::atomic<bool> finished{false};
  std::thread watchdog([&] {
    while (!finished.load()) {
      const bool expired = duration && std::chrono::steady_clock::now() - started >= *duration;
      if (g_interrupted.load() || expired) {
        stop_ingest = true;
        if (g_interrupted.load() || role == PipelineRole::process) stop_processor = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  Status ingest_status, process_status;
  IngestReport ingest_report;
  std::string source_name;
  std::string store_description;
  std::thread ingest_thread;
  if (ingesting) {
    ingest_thread = std::thread([&] {
      pthread_setname_np(pthread_self(), "kascade-ingest");
      auto source = make_source(*config);
      if (!source) {
        ingest_status = source.status();
      } else if (auto producer = (*bus)->open_producer(); !producer) {
        ingest_status = producer.status();
      } else {
        source_name = (*source)->name();
        ingest_status = run_ingest(**source, **producer, topic, static_cast<size_t>(config->source.batch_records),
                                   stop_ingest, counters, &ingest_report);
      }
      if (!ingest_status.ok()) stop_processor = true;
      ingest_done = true;
    });
  }

  if (processing) {
    auto store = open_sink(*config);
    if (store) store_description = (*store)->describe_self();
    if (!store) {
      process_status = store.status();
      stop_ingest = true;
    } else {
      auto consumer = (*bus)->open_consumer(topic, config->processor.group);
      if (!consumer) {
        process_status = consumer.status();
        stop_ingest = true;
      }
      ProcessorOptions options = processor_options(*config);
      options.program = *program;
      if (*window_plan) {
        options.windows = std::move(**window_plan);
        auto described = (*bus)->describe(topic);
        options.partitions = described ? static_cast<int32_t>(described->partitions.size())
                                       : static_cast<int32_t>(config->bus.partitions);
      }
      if (consumer) {
        Processor processor(**consumer, **store, options, counters);
        const bool bounded = role == PipelineRole::all;
        process_status = processor.run(stop_processor, [&](const OffsetMap& positions) {
          return bounded && ingest_done.load() && (*bus)->caught_up(topic, positions);
        });
        if (!process_status.ok()) stop_ingest = true;
      }
    }
  }
  if (ingest_thread.joinable()) ingest_thread.join();
  finished = true;
  watchdog.join();
  progress.stop();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!ingest_status.ok()) return report_failure(command, ingest_status.error());
  if (!process_status.ok()) return report_failure(command, process_status.error());

  std::string summary = fmt::format("kascade {}: {:.1f}s", command, seconds);
  if (ingesting) {
    summary += fmt::format(", ingested {} records ({}/s) into topic '{}'", with_thousands(counters.ingested),
                           with_thousands(static_cast<uint64_t>(counters.ingested / std::max(seconds, 1e-3))), topic);
    if (ingest_report.done_at) {
      summary += fmt::format(" (source '{}' had nothing more: its position on topic '{}' is '{}'; "
                             "`kascade sources reset {}` starts it over)",
                             source_name, topic, *ingest_report.done_at, source_name);
    }
  }
  if (processing) {
    summary += fmt::format(", landed {} rows and {} dead letters in {} ({} sink writes)",
                           with_thousands(counters.rows_landed), with_thousands(counters.dead_letters),
                           store_description, with_thousands(counters.sink_batches));
  }
  if (g_interrupted.load()) summary += " (interrupted)";
  fmt::print("{}\n", summary);
  return kExitOk;
}

}  // namespace kascade
