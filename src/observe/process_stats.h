// observe/process_stats.h: this process's resident memory and open file descriptors, as Prometheus gauges.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kascade {

// Resident set size in bytes (/proc/self/statm); nullopt where it cannot be read.
std::optional<int64_t> resident_memory_bytes();
// Open file descriptors (/proc/self/fd); nullopt where it cannot be read.
std::optional<int64_t> open_file_descriptors();

// process_resident_memory_bytes and process_open_fds (the names Prometheus's client libraries use).
std::string process_metrics_text();

}  // namespace kascade
