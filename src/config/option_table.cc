// config/option_table.cc: every option, declared once. Keep paths in YAML order.
#include "config/option_table.h"

#include <limits>

namespace kascade {
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

#define KASCADE_FIELD(member) [](Config& c) -> auto& { return c.member; }

const std::vector<OptionSpec>& table() {
  static const std::vector<OptionSpec> options = {
      {"data_dir", "Directory of the embedded log and store (created if missing).",
       TextOption{KASCADE_FIELD(data_dir), "./kascade-data", {}, false}},

      {"bus.type", "Where records travel between source and processor.",
       TextOption{KASCADE_FIELD(bus.type), "embedded", {"embedded"}, false}},
      {"bus.topic", "Topic of raw records.",
       TextOption{KASCADE_FIELD(bus.topic), "users.raw", {}, false}},
      {"bus.partitions", "Partitions of the topic when kascade creates it.",
       IntegerOption{KASCADE_FIELD(bus.partitions), 4, 1, 1024}},
      {"bus.embedded.sync",
       "full: an acknowledged record survives power loss (fsync per append); "
       "normal: it survives a crash of kascade, not of the machine.",
       TextOption{KASCADE_FIELD(bus.embedded.sync), "full", {"full", "normal"}, false}},
      {"bus.embedded.compression", "Compression of stored record batches.",
       TextOption{KASCADE_FIELD(bus.embedded.compression), "lz4", {"lz4", "none"}, false}},
      {"bus.embedded.retention_ms", "Delete batches older than this (-1: never).",
       IntegerOption{KASCADE_FIELD(bus.embedded.retention_ms), 7LL * 24 * 3600 * 1000, -1, kMaxInt}},
      {"bus.embedded.retention_bytes", "Keep at most this many stored bytes per partition (-1: no limit).",
       IntegerOption{KASCADE_FIELD(bus.embedded.retention_bytes), -1, -1, kMaxInt}},
      {"bus.embedded.max_record_bytes", "Largest record the log accepts.",
       IntegerOption{KASCADE_FIELD(bus.embedded.max_record_bytes), 8 << 20, 1024, 1LL << 30}},

      {"source.type", "The source that feeds the topic.",
       TextOption{KASCADE_FIELD(source.type), "generator", {"generator"}, false}},
      {"source.name", "Name under which the source's position is checkpointed.",
       TextOption{KASCADE_FIELD(source.name), "generator", {}, false}},
      {"source.seed", "Seed of the generator: the same seed gives the same users.",
       TextOption{KASCADE_FIELD(source.seed), "kascade", {}, false}},
      {"source.records", "Total records the source produces in this data dir (0: endless).",
       IntegerOption{KASCADE_FIELD(source.records), 0, 0, kMaxInt}},
      {"source.batch_records", "Records per append to the bus.",
       IntegerOption{KASCADE_FIELD(source.batch_records), 2000, 1, 1000000}},
      {"source.malformed_ratio", "Share of generated records replaced by malformed ones (testing the dead-letter path).",
       RealOption{KASCADE_FIELD(source.malformed_ratio), 0.0, 0.0, 1.0}},

      {"processor.group", "Consumer group of the processor.",
       TextOption{KASCADE_FIELD(processor.group), "kascade-processor", {}, false}},
      {"processor.max_record_bytes", "Records larger than this go to the dead letters (too_large).",
       IntegerOption{KASCADE_FIELD(processor.max_record_bytes), 1 << 20, 1024, 1LL << 30}},
      {"processor.batch_records", "Records per sink transaction.",
       IntegerOption{KASCADE_FIELD(processor.batch_records), 5000, 1, 1000000}},
      {"processor.poll_timeout_ms", "Longest wait for new records before the processor checks again.",
       IntegerOption{KASCADE_FIELD(processor.poll_timeout_ms), 100, 1, 60000}},
      {"processor.queue_batches", "Mapped batches waiting for the sink (bounded: a slow sink slows the consumer).",
       IntegerOption{KASCADE_FIELD(processor.queue_batches), 4, 1, 1024}},

      {"store.type", "Where rows land.",
       TextOption{KASCADE_FIELD(store.type), "sqlite", {"sqlite"}, false}},
      {"store.path", "SQLite file of the embedded store (empty: <data_dir>/store.db).",
       TextOption{KASCADE_FIELD(store.path), "", {}, true}},
      {"store.sync",
       "full: a committed batch survives power loss; normal: it survives a crash of kascade "
       "(offsets are committed in the same transaction either way).",
       TextOption{KASCADE_FIELD(store.sync), "normal", {"full", "normal"}, false}},
      {"store.cache_mb", "SQLite page cache of the store.",
       IntegerOption{KASCADE_FIELD(store.cache_mb), 64, 1, 65536}},
  };
  return options;
}

#undef KASCADE_FIELD

}  // namespace

std::span<const OptionSpec> option_table() { return table(); }

const OptionSpec* find_option(std::string_view path) {
  for (const auto& option : table()) {
    if (option.path == path) return &option;
  }
  return nullptr;
}

}  // namespace kascade
