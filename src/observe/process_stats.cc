// observe/process_stats.cc: resident memory and open file descriptors read from /proc.
#include "observe/process_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/prometheus_text.h"

namespace kascade {

std::optional<int64_t> resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

std::optional<int64_t> open_file_descriptors() {
  std::error_code error;
  int64_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error)) {
    ++count;
  }
  if (error) return std::nullopt;
  return count - 1;  // the iterator's own descriptor
}

std::string process_metrics_text() {
  std::string out;
  if (auto rss = resident_memory_bytes()) {
    prometheus_text::append_header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    prometheus_text::append_sample(out, "process_resident_memory_bytes", {}, *rss);
  }
  if (auto fds = open_file_descriptors()) {
    prometheus_text::append_header(out, "process_open_fds", "gauge", "Open file descriptors.");
    prometheus_text::append_sample(out, "process_open_fds", {}, *fds);
  }
  return out;
}

}  // namespace kascade
