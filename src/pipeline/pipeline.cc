// pipeline/pipeline.cc: the Pipeline component — one config in, three threads and a watchdog out.
#include "pipeline/pipeline.h"

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <cmath>

#include "core/log.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/sink_factory.h"
#include "pipeline/source_factory.h"
#include "pipeline/window_config.h"
#include "process/processor.h"

namespace kascade {

namespace {

bool ingests(PipelineRole role) { return role != PipelineRole::process; }
bool processes(PipelineRole role) { return role != PipelineRole::ingest; }

}  // namespace

Pipeline::Pipeline(Config config, PipelineOptions options) : config_(std::move(config)), options_(std::move(options)) {}

Pipeline::~Pipeline() {
  if (started_threads_ && !waited_) {
    stop();
    (void)wait();
  }
}

Result<std::unique_ptr<Pipeline>> Pipeline::open(const Config& config, PipelineOptions options) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline(config, std::move(options)));
  // The config file's pipeline spec (`table`, `transforms`) if it has one, else the flagship
  // (configs/flagship.yaml, embedded), whose `users` table the default windows read.
  auto program = load_pipeline_program(pipeline->options_.config_file);
  if (!program) return program.error();
  auto flagship = flagship_program();
  const bool custom_table = !flagship || *program != *flagship;
  pipeline->program_ = std::move(*program);
  auto window_plan = window_plan_from_config(pipeline->config_, custom_table);
  if (!window_plan) return window_plan.error();
  pipeline->window_plan_ = std::move(*window_plan);

  auto bus = open_bus(pipeline->config_);
  if (!bus) return bus.error();
  pipeline->bus_ = std::move(*bus);
  const std::string& topic = pipeline->config_.bus.topic;
  if (auto created = pipeline->bus_->create_topic(topic, static_cast<int32_t>(pipeline->config_.bus.partitions));
      !created.ok()) {
    return created.error();
  }
  if (processes(pipeline->options_.role)) {
    auto lock = lock_data_dir_for_processing(pipeline->config_);
    if (!lock) return lock.error();
    pipeline->lock_ = std::move(*lock);
  }
  return pipeline;
}

Status Pipeline::start() {
  if (started_threads_) return Error::make(Errc::invalid_argument, "the pipeline has already started");
  started_threads_ = true;
  started_ = std::chrono::steady_clock::now();
  ingest_done_ = !ingests(options_.role);
  watchdog_ = std::thread([this] { watchdog_main(); });
  // On a terminal the commands draw their own progress line instead.
  if (config_.log.status_interval_ms > 0 && isatty(STDERR_FILENO) != 1) {
    status_thread_ = std::thread([this] { status_main(); });
  }
  if (ingests(options_.role)) ingest_thread_ = std::thread([this] { ingest_main(); });
  if (processes(options_.role)) process_thread_ = std::thread([this] { process_main(); });
  return {};
}

void Pipeline::stop() {
  stop_requested_ = true;
  stop_ingest_ = true;
  stop_processor_ = true;
}

Status Pipeline::wait() {
  if (!started_threads_ || waited_) return {};
  if (ingest_thread_.joinable()) ingest_thread_.join();
  if (process_thread_.joinable()) process_thread_.join();
  {
    std::lock_guard lock(status_mutex_);
    finished_ = true;
  }
  status_wakeup_.notify_all();
  watchdog_.join();
  if (status_thread_.joinable()) status_thread_.join();
  waited_ = true;
  report_.stopped = stop_requested_.load();
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (!ingest_status_.ok()) return ingest_status_;
  return process_status_;
}

// --duration stops the source (and, for the role `process` alone, the
// processor); role `all` then drains what the topic holds.
void Pipeline::watchdog_main() {
  pthread_setname_np(pthread_self(), "kascade-watch");
  while (!finished_.load()) {
    if (options_.duration && std::chrono::steady_clock::now() - started_ >= *options_.duration) {
      stop_ingest_ = true;
      if (options_.role == PipelineRole::process) stop_processor_ = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<int64_t> Pipeline::lag() {
  // Kafka would need requests to the cluster (slow, or stuck while it is down): only the embedded log's.
  if (!processes(options_.role) || config_.bus.type != BusType::embedded) return std::nullopt;
  auto info = bus_->describe(config_.bus.topic);
  auto committed = bus_->committed(config_.bus.topic, config_.processor.group);
  if (!info || !committed) return std::nullopt;
  int64_t lag = 0;
  for (const PartitionInfo& p : info->partitions) {
    auto it = committed->find(p.partition);
    lag += p.end_offset - std::max(p.start_offset, it == committed->end() ? 0 : it->second);
  }
  return lag;
}

// Every log.status_interval_ms while the pipeline runs: records/s, totals and lag, one line.
void Pipeline::status_main() {
  pthread_setname_np(pthread_self(), "kascade-status");
  const std::chrono::milliseconds interval(config_.log.status_interval_ms);
  const bool ingesting = ingests(options_.role);
  auto last = std::chrono::steady_clock::now();
  uint64_t last_records = ingesting ? counters_.ingested.load() : counters_.consumed.load();
  std::unique_lock lock(status_mutex_);
  while (!status_wakeup_.wait_for(lock, interval, [this] { return finished_.load(); })) {
    const auto now = std::chrono::steady_clock::now();
    const uint64_t records = ingesting ? counters_.ingested.load() : counters_.consumed.load();
    const double rate =
        static_cast<double>(records - last_records) / std::max(std::chrono::duration<double>(now - last).count(), 1e-3);
    last = now;
    last_records = records;
    const uint64_t rows = counters_.rows_landed, dead_letters = counters_.dead_letters;
    const std::optional<int64_t> behind = lag();
    const std::string lag_text = behind ? fmt::format(", lag {}", *behind) : std::string();
    const std::string message =
        fmt::format("status: {:.0f} records/s, {} ingested, {} consumed, {} rows, {} dead letters{}", rate,
                    counters_.ingested.load(), counters_.consumed.load(), rows, dead_letters, lag_text);
    const logging::Field common[] = {{"event", "status"},
                                     {"records_per_s", std::round(rate * 10) / 10},
                                     {"ingested", counters_.ingested.load()},
                                     {"consumed", counters_.consumed.load()},
                                     {"rows", rows},
                                     {"dead_letters", dead_letters},
                                     {"sink_retries", counters_.sink_retries.load()},
                                     {"lag", behind.value_or(-1)}};
    logging::write(logging::Level::info, "pipeline", message, std::span(common, behind ? 8 : 7));
  }
}

bool Pipeline::group_caught_up(const OffsetMap& positions) {
  const std::string& topic = config_.bus.topic;
  OffsetMap reached = positions;
  // Partitions another member of a Kafka group holds (or none has read yet): the group's commits.
  if (auto committed = bus_->committed(topic, config_.processor.group)) {
    for (const auto& [partition, offset] : *committed) {
      auto [it, added] = reached.emplace(partition, offset);
      if (!added) it->second = std::max(it->second, offset);
    }
  }
  return bus_->caught_up(topic, reached);
}

void Pipeline::ingest_main() {
  pthread_setname_np(pthread_self(), "kascade-ingest");
  auto source = make_source(config_);
  if (!source) {
    ingest_status_ = source.status();
  } else if (auto producer = bus_->open_producer(); !producer) {
    ingest_status_ = producer.status();
  } else {
    report_.source_name = (*source)->name();
    ingest_status_ =
        run_ingest(**source, **producer, config_.bus.topic, static_cast<size_t>(config_.source.batch_records),
                   stop_ingest_, counters_, &report_.ingest);
  }
  if (!ingest_status_.ok()) stop_processor_ = true;
  ingest_done_ = true;
}

void Pipeline::process_main() {
  pthread_setname_np(pthread_self(), "kascade-process");
  const std::string& topic = config_.bus.topic;
  std::unique_ptr<Sink> opened;
  if (!options_.sink) {
    auto store = open_sink(config_);
    if (!store) {
      process_status_ = store.status();
      stop_ingest_ = true;
      return;
    }
    opened = std::move(*store);
  }
  Sink& sink = options_.sink ? *options_.sink : *opened;
  report_.store_description = sink.describe_self();
  auto consumer = bus_->open_consumer(topic, config_.processor.group);
  if (!consumer) {
    process_status_ = consumer.status();
    stop_ingest_ = true;
    return;
  }
  ProcessorOptions options = processor_options(config_);
  options.program = program_;
  if (window_plan_) {
    options.windows = *window_plan_;
    auto described = bus_->describe(topic);
    options.partitions =
        described ? static_cast<int32_t>(described->partitions.size()) : static_cast<int32_t>(config_.bus.partitions);
  }
  Processor processor(**consumer, sink, options, counters_);
  // Role `all` ends once the source is done and the processor has caught up with the topic; role
  // `process` with until_caught_up once the group's lag is 0.
  const bool bounded = options_.role == PipelineRole::all;
  process_status_ = processor.run(stop_processor_, [&](const OffsetMap& positions) {
    if (options_.until_caught_up) return report_.caught_up = group_caught_up(positions);
    return bounded && ingest_done_.load() && bus_->caught_up(topic, positions);
  });
  if (!process_status_.ok()) stop_ingest_ = true;
}

}  // namespace kascade
