// process/processor.cc: the poll/map loop and the sink thread behind a bounded queue.
#include "process/processor.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <pthread.h>

#include <fmt/format.h>

#include "core/timestamp.h"
#include "process/transforms/spec_loader.h"
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
  size_t in_flight = 0;        // batches handed over and not yet written
  OffsetMap acknowledged;      // next offsets the sink has durably stored
  bool acknowledged_changed = false;
  std::optional<Error> failure;
  bool closing = false;
  bool abandon_on_close = false;  // closing with a sink down: stop retrying
  std::thread thread;

  // Hands a batch to the sink thread; blocks while the queue is full.
  // Returns false if the sink failed (the batch is dropped, nothing committed).
  bool submit(std::unique_ptr<SinkBatch> batch) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return ready.size() < capacity || failure; });
    if (failure) return false;
    ready.push_back(std::move(batch));
    ++in_flight;
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
        if (ready.empty()) return;
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
      if (!status.ok()) {
        failure = status.error();
        changed.notify_all();
        return;
      }
      for (auto& batch : group) {
        for (const auto& [partition, next] : batch->next_offsets) acknowledged[partition] = next;
        counters.rows_landed += batch->rows.rows() - batch->rows_refused();
        counters.dead_letters += batch->dead_letters.size() + batch->rows_refused();
        free.push_back(std::move(batch));
      }
      ++counters.sink_batches;
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
      Status status = sink.write(batches);
      if (status.ok() || !status.error().retriable) return status;
      ++counters.sink_retries;
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
      if (auto it = start.find(partition); it != start.end()) positions[partition] = it->second;
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
    }
    return revoked;
  }
};

Processor::Processor(Consumer& consumer, Sink& sink, ProcessorOptions options, PipelineCounters& counters)
    : consumer_(consumer), sink_(sink), options_(std::move(options)), counters_(counters) {}

Processor::~Processor() = default;

const TableSchema& Processor::table_schema() const {
  return options_.program->schema;  // set by run() before any use
}

Status Processor::run(const std::atomic<bool>& stop,
                      const std::function<bool(const OffsetMap& positions)>& finished) {
  if (!options_.program) {  // no program given: the flagship pipeline (configs/flagship.yaml, embedded)
    auto flagship = flagship_program();
    if (!flagship) return flagship.error();
    options_.program = *flagship;
  }
  const TableSchema& schema = table_schema();
  if (auto status = sink_.prepare(schema); !status) return status;

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

  std::unique_ptr<SinkBatch> batch = worker.take_free(&schema);
  auto reset_batch = [&] {
    batch->group = options_.group;
    batch->topic = options_.topic;
  };
  reset_batch();
  Status outcome;
  RebalanceHook rebalance_hook(*this, worker, batch, positions);
  rebalance_hook.windows = windows.get();
  consumer_.set_rebalance_listener(&rebalance_hook);
  struct UnregisterHook {
    Consumer& consumer;
    ~UnregisterHook() { consumer.set_rebalance_listener(nullptr); }
  } unregister_hook{consumer_};

  while (!stop.load(std::memory_order_relaxed) && !worker.failed()) {
    const size_t wanted = options_.batch_records - batch->input_records;
    auto polled = consumer_.poll(wanted, options_.poll_timeout);
    if (!polled) {
      if (polled.error().retriable) continue;
      outcome = polled.error();
      break;
    }
    const int64_t now = now_ms();
    for (const ConsumedRecord& record : polled->records) {
      // A source that could not make a record (e.g. a malformed API body) sends its bytes
      // with a header kascade-error "<class>: <reason>": dead-letter them with that reason.
      std::optional<std::pair<std::string, std::string>> failure;
      if (auto source_error = record.header("kascade-error")) {
        const size_t colon = source_error->find(": ");
        failure.emplace(source_error->substr(0, colon),
                        colon == std::string_view::npos ? *source_error : source_error->substr(colon + 2));
      } else if (auto mapping_failure = runner.map(record, now, batch->rows)) {
        failure.emplace(mapping_failure->error_class, std::move(mapping_failure->message));
      }
      if (failure) {
        batch->dead_letters.push_back(DeadLetter{.key = std::string(record.key),
                                                 .value = std::string(record.value),
                                                 .error_class = std::move(failure->first),
                                                 .error_message = std::move(failure->second),
                                                 .topic = polled->topic,
                                                 .partition = record.partition,
                                                 .offset = record.offset,
                                                 .failed_at_ms = now,
                                                 .attempts = 1});
      } else if (windows) {
        windows->add(record, batch->rows.rows() - 1, polled->topic, now, *batch);
      }
      if (batch->rows.rows() > batch->row_sources.size()) {  // the record's row: where it came from
        batch->row_sources.resize(batch->rows.rows(), RowSource{record.partition, record.offset, record.key, record.value});
      }
      batch->next_offsets[record.partition] = record.offset + 1;
      positions[record.partition] = record.offset + 1;
    }
    // row_sources point into the poll's buffers: the batch keeps them (a deque's move keeps its elements in place).
    if (!polled->records.empty()) {
      batch->source_buffers.push_back(std::make_shared<const std::deque<std::string>>(std::move(polled->buffers)));
    }
    batch->input_records += polled->records.size();
    counters_.consumed += polled->records.size();

    const bool caught_up = polled->records.size() < wanted;
    if (batch->input_records >= options_.batch_records || (caught_up && batch->input_records > 0)) {
      if (windows) windows->seal(*batch, now_ms());  // window state goes with the offsets it matches
      if (!worker.submit(std::move(batch))) break;
      batch = worker.take_free(&schema);
      reset_batch();
    }

    // Mirror what the sink acknowledged to the bus's group offsets.
    OffsetMap to_commit;
    {
      std::lock_guard lock(worker.mutex);
      if (worker.acknowledged_changed) {
        to_commit = worker.acknowledged;
        worker.acknowledged_changed = false;
      }
    }
    if (!to_commit.empty()) {
      if (auto status = consumer_.commit(to_commit); !status && !status.error().retriable) {
        outcome = status;
        break;
      }
    }

    if (polled->records.empty() && batch->input_records == 0 && worker.idle() && finished && finished(positions)) {
      break;
    }
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
