// app/progress.cc: the terminal status line.
#include "app/progress.h"

#include <fmt/format.h>
#include <unistd.h>

namespace kascade {

std::string with_thousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

ProgressLine::ProgressLine(const PipelineCounters& counters, FILE* out)
    : counters_(counters), out_(out), enabled_(isatty(fileno(out)) == 1) {}

ProgressLine::~ProgressLine() { stop(); }

void ProgressLine::start() {
  if (!enabled_ || thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void ProgressLine::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  fmt::print(out_, "\r\033[K");
  std::fflush(out_);
}

void ProgressLine::loop() {
  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  uint64_t last_ingested = counters_.ingested, last_landed = counters_.rows_landed + counters_.dead_letters;
  auto last = started;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
    const auto now = clock::now();
    const double seconds = std::chrono::duration<double>(now - last).count();
    const uint64_t ingested = counters_.ingested;
    const uint64_t landed = counters_.rows_landed + counters_.dead_letters;
    fmt::print(out_, "\r\033[K{:>5.0f}s  ingested {} ({}/s)  landed {} rows ({}/s)  dead letters {}",
               std::chrono::duration<double>(now - started).count(), with_thousands(ingested),
               with_thousands(static_cast<uint64_t>((ingested - last_ingested) / seconds)),
               with_thousands(counters_.rows_landed),
               with_thousands(static_cast<uint64_t>((landed - last_landed) / seconds)),
               with_thousands(counters_.dead_letters));
    std::fflush(out_);
    last = now;
    last_ingested = ingested;
    last_landed = landed;
  }
}

}  // namespace kascade
