// process/processor.cc: the poll/map loop and the sink thread behind a bounded queue.
#include "process/processor.h"

#include <fmt/format.h>
#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "core/log.h"
#include "core/timestamp.h"
#include "process/dead_letter_log.h"
#include "process/windows/window_stage.h"

namespace kascade {

// The sink thread and the two queues it shares with the processor thread:
// `ready` (mapped, waiting for the sink; bounded) and `free` (written,
// waiting to be reused, so batch buffers are allocated once).
struct Processor::SinkWorker {
  SinkWorker(Sink& sink, PipelineCounters& counters, size_t capacity, std::chrono::milliseconds max_backoff)
      : sink(sink), counters(counters), capacity(capacity), max_backoff(max_backoff) {}

  Sink& sink;
  PipelineCounters& counters;
  const size_t capacity;
  const std::chrono::milliseconds max_backoff;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::unique_ptr<SinkBatch>> ready;
  std::deque<std::unique_ptr<SinkBatch>> free;
  size_t in_flight = 0;    // batches handed over and not yet written
  OffsetMap acknowledged;  // next offsets the sink has durably stored
  bool acknowledged_changed = false;
  std::optional<Error> failure;
  bool closing = false;
  bool abandon_on_close = false;  // closing with a sink down: stop retrying
  std::thread thread;
  logging::Outage outage{"processor", "sink writes to " + sink.describe_self(), "sink", sink.describe_self()};
  DeadLetterLog dead_letter_log;

  // Hands a batch to the sink thread; blocks while the queue is full.
  // Returns false if the sink failed (the batch is dropped, nothing committed).
  bool submit(std::unique_ptr<SinkBatch> batch) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return ready.size() < capacity || failure; });
    if (failure) return false;
    ready.push_back(std::move(batch));
    counters.sink_in_flight = static_cast<int64_t>(++in_flight);
    changed.notify_all();
    return true;
  }

  std::unique_ptr<SinkBatch> take_free(const TableSchema* schema) {
    std::lock_guard lock(mutex);
    if (free.empty()) return std::make_unique<SinkBatch>(schema);
    auto batch = std::move(free.front());
    free.pop_front();
    batch->clear();
    return batch;
  }

  bool idle() {
    std::lock_guard lock(mutex);
    return in_flight == 0;
  }

  // Blocks until every batch handed over is written (or the sink failed):
  // afterwards the sink thread is not inside the sink, so the caller may use it.
  void wait_until_written() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return in_flight == 0 || failure.has_value(); });
  }

  bool failed() {
    std::lock_guard lock(mutex);
    return failure.has_value();
  }

  // Takes every batch waiting (at most `capacity`) and writes them in one
  // sink call: under load, commits grow; when idle, each batch goes alone.
  void loop() {
    std::vector<std::unique_ptr<SinkBatch>> group;
    std::vector<const SinkBatch*> views;
    while (true) {
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return !ready.empty() || closing; });
        if (ready.empty()) return dead_letter_log.flush(/*force=*/true);
        while (!ready.empty()) {
          group.push_back(std::move(ready.front()));
          ready.pop_front();
        }
        changed.notify_all();
      }
      views.clear();
      for (const auto& batch : group) views.push_back(batch.get());
      Status status = write_with_retries(views);
      for (auto& batch : group) batch->source_buffers.clear();  // the polled bytes behind row_sources: written, freed
      std::lock_guard lock(mutex);
      in_flight -= group.size();
      counters.sink_in_flight = static_cast<int64_t>(in_flight);
      if (!status.ok()) {
        failure = status.error();
        changed.notify_all();
        return;
      }
      for (auto& batch : group) {
        for (const DeadLetter& letter : batch->dead_letters) dead_letter_log.add(letter);
        dead_letter_log.add("sink", "the store refused the row", batch->rows_refused());
        for (const auto& [partition, next] : batch->next_offsets) acknowledged[partition] = next;
        counters.rows_landed += batch->rows.rows() - batch->rows_refused();
        counters.dead_letters += batch->dead_letters.size() + batch->rows_refused();
        for (const auto& letter : batch->dead_letters) counters.count_dead_letter(letter.error_class);
        counters.count_dead_letter(dead_letter_class::sink, batch->rows_refused());
        free.push_back(std::move(batch));
      }
      ++counters.sink_batches;
      dead_letter_log.flush();
      acknowledged_changed = true;
      group.clear();
      changed.notify_all();
    }
  }

  // Retries retriable failures with exponential backoff, forever: a sink that
  // is down stalls the pipeline (and, through the bounded queue, the consumer).
  Status write_with_retries(std::span<const SinkBatch* const> batches) {
    std::chrono::milliseconds backoff{10};
    while (true) {
      const auto started = std::chrono::steady_clock::now();
      Status status = sink.write(batches);
      counters.sink_write_seconds.observe(std::chrono::steady_clock::now() - started);
      counters.sink_ready = status.ok();
      if (status.ok()) outage.succeeded();
      if (status.ok() || !status.error().retriable) return status;
      counters.count_retry(status.error().code);
      outage.failed(status.message(), fmt::format("retrying with backoff up to {} ms", max_backoff.count()));
      {
        std::unique_lock lock(mutex);
        if (changed.wait_for(lock, backoff, [&] { return closing && abandon_on_close; })) return status;
      }
      backoff = std::min(backoff * 2, max_backoff);
    }
  }
};

// The processor's side of a consumer-group rebalance. Runs on the processor
// thread, from inside consumer_.poll(), between two polls: every record
// polled so far is already mapped into `batch` or queued for the sink.
struct Processor::RebalanceHook final : RebalanceListener {
  RebalanceHook(Processor& processor, SinkWorker& worker, std::unique_ptr<SinkBatch>& batch, OffsetMap& positions)
      : processor(processor), worker(worker), batch(batch), positions(positions) {}

  Processor& processor;
  SinkWorker& worker;
  std::unique_ptr<SinkBatch>& batch;
  OffsetMap& positions;
  WindowStage* windows = nullptr;  // its changes go with the batch flushed on revoke

  // The sink's offsets win over the group's: they were stored with the rows.
  // A sink is used by one thread at a time: the sink thread may be inside
  // write() (an assignment comes without a revocation when a member leaves),
  // so its queue is drained before the offsets are read.
  Status partitions_assigned(std::span<const int32_t> partitions, OffsetMap& start) override {
    if (processor.sink_.stores_offsets()) {
      worker.wait_until_written();
      auto stored = processor.sink_.stored_offsets(processor.options_.group, processor.options_.topic);
      if (!stored) return stored.status();
      for (int32_t partition : partitions) {
        if (auto it = stored->find(partition); it != stored->end()) start[partition] = it->second;
      }
    }
    for (int32_t partition : partitions) {
      const auto it = start.find(partition);
      if (it != start.end()) positions[partition] = it->second;
      processor.counters_.group.assign(partition, it != start.end() ? std::optional(it->second) : std::nullopt);
    }
    return ok_status();
  }

  // Hands the open batch to the sink, waits until the queue is written, and
  // gives back (and forgets) the acknowledged offsets of `partitions`, so
  // the next owner neither loses nor re-writes what was polled here.
  OffsetMap partitions_revoked(std::span<const int32_t> partitions) override {
    if (batch->input_records > 0) {
      // The window state of what was polled goes with the offsets it matches (a batch flushed
      // without it would store offsets past the state: a restart would lose those records' counts).
      if (windows) windows->seal(*batch, now_ms());
      worker.submit(std::move(batch));  // on a failed sink the batch is dropped, not acknowledged
      batch = worker.take_free(&processor.table_schema());
      batch->group = processor.options_.group;
      batch->topic = processor.options_.topic;
    }
    worker.wait_until_written();
    std::lock_guard lock(worker.mutex);
    OffsetMap revoked;
    for (int32_t partition : partitions) {
      if (auto it = worker.acknowledged.find(partition); it != worker.acknowledged.end()) {
        revoked[partition] = it->second;
        worker.acknowledged.erase(it);
      }
      positions.erase(partition);
      processor.counters_.group.revoke(partition);
    }
    return revoked;
  }
};

// The steps of run()'s record loop, on the processor thread: poll, route
// each record to a row or a dead letter (the transform judges its size and
// shape), hand the full batch to the sink thread, mirror the acknowledged
// offsets to the bus.
struct Processor::RecordLoop {
  Processor& processor;
  SinkWorker& worker;
  transforms::TransformRunner& runner;
  WindowStage* windows;  // null: no windows
  const TableSchema& schema;
  std::unique_ptr<SinkBatch>& batch;  // the open batch (shared with the rebalance hook)
  OffsetMap& positions;               // next offset to read, per partition

  // Takes an empty batch for the next records.
  void open_batch() {
    batch = worker.take_free(&schema);
    batch->group = processor.options_.group;
    batch->topic = processor.options_.topic;
  }

  // Asks the bus for at most `wanted` records.
  Result<PolledBatch> poll(size_t wanted) { return processor.consumer_.poll(wanted, processor.options_.poll_timeout); }

  // Routes every polled record into the open batch, which then keeps the poll's bytes.
  void take(PolledBatch& polled) {
    const int64_t now = now_ms();
    for (const ConsumedRecord& record : polled.records) {
      route(record, polled.topic, now);
      remember_row_source(record);
      advance_past(record);
    }
    keep_polled_bytes(polled);
    batch->input_records += polled.records.size();
    processor.counters_.consumed += polled.records.size();
    processor.counters_.group.advance(positions);
  }

  // A record its source marked as failed (e.g. a malformed API body) is a dead
  // letter as it is; any other goes through the transform: a row (and into the
  // windows), nothing (filtered), or a dead letter with the transform's reason.
  void route(const ConsumedRecord& record, const std::string& topic, int64_t now) {
    if (auto letter = source_dead_letter_of(record, topic, now)) {
      batch->dead_letters.push_back(std::move(*letter));
    } else if (auto failure = runner.map(record, now, batch->rows)) {
      batch->dead_letters.push_back(
          dead_letter_of(record, topic, failure->error_class, std::move(failure->message), now));
    } else if (windows) {
      windows->add(record, batch->rows.rows() - 1, topic, now, *batch);
    }
  }

  // The record's row, if it made one, keeps where it came from (a row the sink refuses becomes its dead letter).
  void remember_row_source(const ConsumedRecord& record) {
    if (batch->rows.rows() > batch->row_sources.size()) {
      batch->row_sources.resize(batch->rows.rows(),
                                RowSource{record.partition, record.offset, record.key, record.value});
    }
  }

  void advance_past(const ConsumedRecord& record) {
    batch->next_offsets[record.partition] = record.offset + 1;
    positions[record.partition] = record.offset + 1;
  }

  // row_sources point into the poll's buffers: the batch keeps them (a deque's move keeps its elements in place).
  void keep_polled_bytes(PolledBatch& polled) {
    if (!polled.records.empty()) {
      batch->source_buffers.push_back(std::make_shared<const std::deque<std::string>>(std::move(polled.buffers)));
    }
  }

  // Full, or the bus has no more records for now and the batch holds some.
  bool batch_due(bool caught_up) const {
    return batch->input_records >= processor.options_.batch_records || (caught_up && batch->input_records > 0);
  }

  // Hands the batch to the sink thread (with the window state that goes with
  // its offsets) and opens the next; false if the sink failed.
  bool hand_over() {
    if (windows) {
      windows->seal(*batch, now_ms());
      processor.counters_.window_groups = static_cast<int64_t>(windows->aggregator().groups());
    }
    if (!worker.submit(std::move(batch))) return false;
    open_batch();
    return true;
  }

  // Mirrors what the sink acknowledged to the bus's group offsets (for `kascade lag`);
  // a retriable failure is left for the next commit.
  Status mirror_acknowledged_offsets() {
    OffsetMap to_commit;
    {
      std::lock_guard lock(worker.mutex);
      if (worker.acknowledged_changed) {
        to_commit = worker.acknowledged;
        worker.acknowledged_changed = false;
      }
    }
    if (to_commit.empty()) return ok_status();
    if (auto status = processor.consumer_.commit(to_commit); !status && !status.error().retriable) return status;
    return ok_status();
  }

  // Nothing open, nothing in flight.
  bool idle() { return batch->input_records == 0 && worker.idle(); }
};

Processor::Processor(Consumer& consumer, Sink& sink, ProcessorOptions options, PipelineCounters& counters)
    : consumer_(consumer), sink_(sink), options_(std::move(options)), counters_(counters) {}

Processor::~Processor() = default;

const TableSchema& Processor::table_schema() const {
  return options_.program->schema;  // set by run() before any use
}

Status Processor::run(const std::atomic<bool>& stop, const std::function<bool(const OffsetMap& positions)>& finished) {
  if (!options_.program) {  // the caller decides which program runs (the Pipeline: a spec, or the flagship)
    return Error::make(Errc::invalid_argument, "processor: no pipeline program given (ProcessorOptions::program)");
  }
  const TableSchema& schema = table_schema();
  if (auto status = sink_.prepare(schema); !status) return status;
  counters_.sink_ready = true;

  // Windows first: a sink may keep the offsets with the window state (Cassandra),
  // and it claims the aggregation before this processor joins the consumer group.
  std::unique_ptr<WindowStage> windows;  // restored from the state stored with `positions`
  if (options_.windows) {
    auto stage = WindowStage::open(*options_.windows, schema, options_.partitions, sink_);
    if (!stage) return stage.error();
    windows = std::move(*stage);
  }

  OffsetMap positions;
  if (sink_.stores_offsets()) {
    auto stored = sink_.stored_offsets(options_.group, options_.topic);
    if (!stored) return stored.error();
    positions = *stored;
  }
  if (auto status = consumer_.start(positions); !status) return status;

  transforms::TransformRunner runner(options_.program, options_.max_record_bytes);
  SinkWorker worker(sink_, counters_, options_.queue_batches, options_.max_retry_backoff);
  worker.thread = std::thread([&] {
    pthread_setname_np(pthread_self(), "kascade-sink");
    worker.loop();
  });
  auto close_worker = [&](bool abandon) {
    {
      std::lock_guard lock(worker.mutex);
      worker.closing = true;
      worker.abandon_on_close = abandon;
      worker.changed.notify_all();
    }
    worker.thread.join();
  };

  std::unique_ptr<SinkBatch> batch;
  Status outcome;
  RecordLoop loop{*this, worker, runner, windows.get(), schema, batch, positions};
  loop.open_batch();
  RebalanceHook rebalance_hook(*this, worker, batch, positions);
  rebalance_hook.windows = windows.get();
  consumer_.set_rebalance_listener(&rebalance_hook);
  struct UnregisterHook {
    Consumer& consumer;
    ~UnregisterHook() { consumer.set_rebalance_listener(nullptr); }
  } unregister_hook{consumer_};

  while (!stop.load(std::memory_order_relaxed) && !worker.failed()) {
    const size_t wanted = options_.batch_records - batch->input_records;
    auto polled = loop.poll(wanted);
    if (!polled) {
      if (polled.error().retriable) continue;
      outcome = polled.error();
      break;
    }
    loop.take(*polled);
    const bool caught_up = polled->records.size() < wanted;
    if (loop.batch_due(caught_up) && !loop.hand_over()) break;
    if (auto status = loop.mirror_acknowledged_offsets(); !status) {
      outcome = status;
      break;
    }
    if (polled->records.empty() && loop.idle() && finished && finished(positions)) break;
  }

  // Drain: write what was handed over (unless the sink failed), then commit.
  if (outcome.ok() && batch && windows) {
    // NOLINTNEXTLINE(bugprone-use-after-move): a batch handed to a failed sink is null, and checked just above.
    windows->seal(*batch, now_ms(), /*last=*/true);  // with provisional results of the windows still open
  }
  const bool windows_pending = batch && batch->windows && !batch->windows->empty();
  if (outcome.ok() && batch && (batch->input_records > 0 || windows_pending)) worker.submit(std::move(batch));
  close_worker(/*abandon=*/!outcome.ok());
  if (worker.failure) return Error::make(worker.failure->code, fmt::format("sink: {}", worker.failure->message));
  if (!worker.acknowledged.empty()) {
    // A retriable failure (e.g. a group rebalance in progress) is not a
    // failed run: the sink has the rows, and a Kafka consumer retries the
    // commit when it closes.
    if (auto status = consumer_.commit(worker.acknowledged); !status && outcome.ok() && !status.error().retriable) {
      outcome = status;
    }
  }
  return outcome;
}

}  // namespace kascade
