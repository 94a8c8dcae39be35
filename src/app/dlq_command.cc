// app/dlq_command.cc: `kascade dlq ls` (list the dead letters) and `kascade dlq replay` (run them through the current pipeline).
#include <iostream>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/pipeline_config.h"
#include "app/sql_query.h"
#include "core/timestamp.h"
#include "pipeline/pipeline_loader.h"
#include "process/transforms/program.h"
#include "sinks/sqlite/sqlite_store.h"

namespace kascade {
namespace {

// Dead letters are replayed in chunks: each chunk is one store transaction.
constexpr int64_t kReplayChunk = 1000;

struct ReplayCounts {
  uint64_t landed = 0, refused = 0, dropped = 0, still_failing = 0;
};

// Reads the next chunk of the topic's dead letters after `after_id`; returns the last id read (or after_id).
Result<int64_t> read_chunk(SqliteConnection& db, const std::string& topic, int64_t after_id,
                           std::vector<DeadLetter>& letters) {
  auto select = db.prepare(
      "SELECT id, partition, offset, key, value, attempts FROM dead_letters WHERE topic = ? AND id > ? ORDER BY id LIMIT ?");
  if (!select) return select.error();
  select->bind_text(1, topic);
  select->bind(2, after_id);
  select->bind(3, kReplayChunk);
  int rc;
  int64_t last = after_id;
  while ((rc = select->step()) == SQLITE_ROW) {
    last = select->column_int(0);
    letters.push_back(DeadLetter{.key = std::string(select->column_blob(3)),
                                 .value = std::string(select->column_blob(4)),
                                 .topic = topic,
                                 .partition = static_cast<int32_t>(select->column_int(1)),
                                 .offset = select->column_int(2),
                                 .attempts = static_cast<int32_t>(select->column_int(5))});
  }
  if (rc != SQLITE_DONE) return db.error(rc, "read dead letters");
  return last;
}

}  // namespace

int dlq_list_command(const DlqArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir);
  if (!config) return report_failure("dlq ls", config.error());
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("dlq ls", format.error());
  auto table = run_sql_query(config->store_path(),
                             "SELECT id, topic, partition, offset, error_class, error_message, failed_at, attempts, "
                             "length(value) AS bytes FROM dead_letters ORDER BY id");
  if (!table) return report_failure("dlq ls", table.error());
  print_table(std::cout, *table, *format);
  return kExitOk;
}

int dlq_replay_command(const DlqArgs& args) {
  const char* command = "dlq replay";
  auto config = load_pipeline_config(args.config_file, args.data_dir);
  if (!config) return report_failure(command, config.error());
  auto program = load_pipeline_program(args.config_file);  // the config's pipeline, or the flagship
  if (!program) return report_failure(command, program.error());
  if (config->store.type != "sqlite") {
    return report_failure(command, Error::make(Errc::config, fmt::format("store.type: replay needs the sqlite "
                                                                         "store (dead letters are kept there), not '{}'",
                                                                         config->store.type)));
  }
  if (!std::filesystem::exists(config->store_path())) {
    return report_failure(command, Error::make(Errc::not_found, fmt::format("{}: no store here (run the pipeline "
                                                                            "first)", config->store_path().string())));
  }
  auto store = SqliteStore::open({.path = config->store_path(), .sync_full = config->store.sync == "full",
                                  .cache_mb = static_cast<int>(config->store.cache_mb)});
  if (!store) return report_failure(command, store.error());
  const TableSchema& schema = (*program)->schema;
  if (auto status = (*store)->prepare(schema); !status) return report_failure(command, status.error());
  SqliteConnection reader;
  if (auto status = reader.open(config->store_path().string(), SqliteConnection::Mode::read_only, 10000); !status) {
    return report_failure(command, status.error());
  }

  transforms::TransformRunner mapper(*program, static_cast<size_t>(config->processor.max_record_bytes));
  ReplayCounts counts;
  SinkBatch batch(&schema);
  batch.topic = config->bus.topic;  // the topic of the dead letters replayed, and of those a refused row becomes
  std::vector<DeadLetter> letters, landed;
  int64_t after_id = 0;
  while (true) {
    letters.clear();
    landed.clear();
    batch.clear();
    auto last = read_chunk(reader, config->bus.topic, after_id, letters);
    if (!last) return report_failure(command, last.error());
    if (letters.empty()) break;
    after_id = *last;
    const int64_t now = now_ms();
    for (DeadLetter& letter : letters) {
      const ConsumedRecord record{.partition = letter.partition, .offset = letter.offset, .timestamp_ms = now,
                                  .key = letter.key, .value = letter.value};
      const size_t rows_before = batch.rows.rows();
      if (auto failure = mapper.map(record, now, batch.rows)) {
        // Stays, with the new reason; the store adds this attempt to the ones before.
        letter.error_class = failure->error_class;
        letter.error_message = std::move(failure->message);
        letter.failed_at_ms = now;
        letter.attempts = 1;
        batch.dead_letters.push_back(std::move(letter));
        ++counts.still_failing;
      } else {
        ++(batch.rows.rows() > rows_before ? counts.landed : counts.dropped);
        // Where the row came from, as the processor records it: a row the store refuses for good then stays a
        // dead letter (class sink, attempts + 1) instead of failing the replay. The views point into `letters`,
        // which keeps its strings until the chunk is written; `landed` only needs the position.
        if (batch.rows.rows() > batch.row_sources.size()) {
          batch.row_sources.resize(batch.rows.rows(),
                                   RowSource{letter.partition, letter.offset, letter.key, letter.value});
        }
        landed.push_back(DeadLetter{.topic = letter.topic, .partition = letter.partition, .offset = letter.offset});
      }
    }
    if (auto status = (*store)->write_replayed(batch, landed); !status) return report_failure(command, status.error());
    counts.landed -= batch.rows_refused;  // one row per record at most: a refused row is a record that stays
    counts.refused += batch.rows_refused;
  }
  fmt::print("kascade dlq replay: {} landed in {}, {} refused by the store (dead letters of class sink, attempts + 1), "
             "{} dropped by the pipeline's filters, {} still failing (attempts + 1)\n",
             counts.landed, schema.name, counts.refused, counts.dropped, counts.still_failing);
  return kExitOk;
}

}  // namespace kascade
