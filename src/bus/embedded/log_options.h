// bus/embedded/log_options.h: the settings of the embedded durable log.
#pragma once

#include <cstdint>

namespace kascade {

enum class SyncMode {
  full,    // fsync on every commit: an acknowledged append survives power loss
  normal,  // fsync at WAL checkpoints: an acknowledged append survives kill -9
};

enum class Compression { none, lz4 };

struct EmbeddedLogOptions {
  // Partitions of a topic created without an explicit count.
  int32_t default_partitions = 4;
  // Per partition, in stored (compressed) bytes; -1 = unlimited. Like Kafka,
  // keeps at least this much: at most one batch more.
  int64_t retention_bytes = -1;
  // By each batch's newest timestamp; -1 = unlimited.
  int64_t retention_ms = -1;
  // Appends enforce retention at most this often (enforce_retention() any time).
  int64_t retention_check_interval_ms = 5000;
  SyncMode sync = SyncMode::full;
  // key + value + headers of one record; a send holding a bigger one fails whole.
  int64_t max_record_bytes = 8 << 20;
  Compression compression = Compression::lz4;
  // LZ4 block API acceleration: 1 is LZ4's default; 4 measured ~10% less CPU
  // per append on randomuser-like JSON for a ratio of 2.39 instead of 2.42.
  int32_t lz4_acceleration = 4;
  // Uncompressed size of a stored batch; a bigger single record gets its own.
  int64_t max_batch_bytes = 1 << 20;
  // How long to wait for another process's write lock before Errc::unavailable.
  int32_t busy_timeout_ms = 30000;
  // SQLite page size for new topic files (16 KiB measured best for reads).
  int32_t page_size = 16384;
  // Topics whose files this log keeps open (a writer and a reader connection,
  // ~6 file descriptors each); the least recently used idle ones are closed
  // beyond it. Topics are opened at first use.
  int32_t max_open_topics = 64;
};

}  // namespace kascade
