// app/dlq_command.cc: `kascade dlq ls` (list the dead letters) and `kascade dlq replay` (run them through the current
// pipeline).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/dead_letter_tables.h"
#include "core/timestamp.h"
#include "pipeline/pipeline_config.h"
#include "pipeline/process_lock.h"
#include "pipeline/sink_factory.h"
#include "process/transforms/program.h"
#include "process/transforms/spec_loader.h"
#include "sinks/dead_letter_store.h"

namespace kascade {
namespace {

// Dead letters are replayed in chunks: each chunk is one store write (with SQLite, one transaction).
constexpr size_t kReplayChunk = 1000;

struct ReplayCounts {
  uint64_t landed = 0, refused = 0, dropped = 0, still_failing = 0;
  uint64_t left_alone = 0;  // of classes --class did not name
};

}  // namespace

int dlq_list_command(const DlqArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return report_failure("dlq ls", config.error());
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("dlq ls", format.error());
  DeadLetterTables tables(*config);
  auto table = tables.list({.classes = args.classes, .last = static_cast<size_t>(args.last)});
  if (!table) return report_failure("dlq ls", table.error());
  print_table(std::cout, *table, *format);
  return kExitOk;
}

int dlq_replay_command(const DlqArgs& args) {
  const char* command = "dlq replay";
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return report_failure(command, config.error());
  auto program = load_pipeline_program(args.config_file);  // the config's pipeline, or the flagship
  if (!program) return report_failure(command, program.error());
  if (config->store.type == StoreType::sqlite && !std::filesystem::exists(config->store_path())) {
    return report_failure(command, Error::make(Errc::not_found, fmt::format("{}: no store here (run the pipeline "
                                                                            "first)",
                                                                            config->store_path().string())));
  }
  // It writes the store: not while a processor of this data dir runs (pipeline/process_lock.h).
  auto process_lock = lock_data_dir_for_processing(*config);
  if (!process_lock) return report_failure(command, process_lock.error());
  auto sink = open_sink(*config);
  if (!sink) return report_failure(command, sink.error());
  DeadLetterStore* store = (*sink)->dead_letter_store();
  if (store == nullptr) {
    return report_failure(command, Error::make(Errc::config, fmt::format("store.type: {} keeps no dead letters to "
                                                                         "replay",
                                                                         option_name(config->store.type))));
  }
  const TableSchema& schema = (*program)->schema;
  if (auto status = (*sink)->prepare(schema); !status) return report_failure(command, status.error());

  transforms::TransformRunner mapper(*program, static_cast<size_t>(config->processor.max_record_bytes));
  ReplayCounts counts;
  SinkBatch batch(&schema);
  batch.topic = config->bus.topic;  // the topic of the dead letters replayed, and of those a refused row becomes
  std::vector<DeadLetter> landed;
  const DeadLetterFilter filter{.classes = args.classes};
  auto replay_chunk = [&](std::vector<DeadLetter>& letters) -> Status {
    landed.clear();
    batch.clear();
    const int64_t now = now_ms();
    for (DeadLetter& letter : letters) {
      if (!filter.admits(letter.error_class)) {  // not replayed: not even an attempt more
        ++counts.left_alone;
        continue;
      }
      const ConsumedRecord record{.partition = letter.partition,
                                  .offset = letter.offset,
                                  .timestamp_ms = now,
                                  .key = letter.key,
                                  .value = letter.value};
      const size_t rows_before = batch.rows.rows();
      if (auto failure = mapper.map(record, now, batch.rows)) {
        // Stays, with the new reason and one attempt more.
        DeadLetter again = dead_letter_of(record, letter.topic, failure->error_class, std::move(failure->message), now);
        again.attempts += letter.attempts;
        batch.dead_letters.push_back(std::move(again));
        ++counts.still_failing;
      } else {
        ++(batch.rows.rows() > rows_before ? counts.landed : counts.dropped);
        // Where the row came from, as the processor records it: a row the store refuses for good then stays a
        // dead letter (class sink, attempts + 1) instead of failing the replay. The views point into `letters`,
        // which keeps its strings until the chunk is written; `landed` needs the position and key.
        if (batch.rows.rows() > batch.row_sources.size()) {
          batch.row_sources.resize(
              batch.rows.rows(), RowSource{letter.partition, letter.offset, letter.key, letter.value, letter.attempts});
        }
        // Removed by its key (topic, partition, offset): no bytes needed.
        const ConsumedRecord position{.partition = letter.partition, .offset = letter.offset, .key = letter.key};
        landed.push_back(dead_letter_of(position, letter.topic, letter.error_class, {}, now));
      }
    }
    if (auto status = store->write_replayed(batch, landed); !status) return status;
    counts.landed -= batch.rows_refused();  // one row per record at most: a refused row is a record that stays
    counts.refused += batch.rows_refused();
    return ok_status();
  };
  if (auto status = store->scan(config->bus.topic, kReplayChunk, replay_chunk); !status) {
    return report_failure(command, status.error());
  }
  fmt::print(
      "kascade dlq replay: {} landed in {}, {} refused by the store (dead letters of class sink, attempts + 1), "
      "{} dropped by the pipeline's filters, {} still failing (attempts + 1){}\n",
      counts.landed, schema.name, counts.refused, counts.dropped, counts.still_failing,
      filter.classes.empty() ? "" : fmt::format("; {} of other classes left alone", counts.left_alone));
  return kExitOk;
}

}  // namespace kascade
