// app/stop_signals.h: SIGINT and SIGTERM, handled one way by every long-running command.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace kascade {

// Blocks SIGINT and SIGTERM in the calling thread, and so in every thread it
// starts afterwards (construct it before starting any), and waits for them on
// a thread of its own. On the first one, `on_stop` runs on that thread; a
// second one does nothing more. Nothing runs in a signal handler.
class StopSignals {
 public:
  explicit StopSignals(std::function<void()> on_stop = {});
  ~StopSignals();  // stops waiting; the signals stay blocked in this thread
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  bool received() const { return received_.load(); }
  // The first stop signal's number (SIGINT or SIGTERM), 0 before one arrived.
  int signal_number() const { return signal_number_.load(); }
  // The exit code of a command a stop signal ended before its goal: 128 + the signal (130, 143).
  int exit_code() const { return 128 + signal_number(); }
  // Blocks until a stop signal has arrived (for a main thread that only waits).
  void wait();

 private:
  void watch();

  std::function<void()> on_stop_;
  std::atomic<bool> received_{false}, closing_{false};
  std::atomic<int> signal_number_{0};
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::thread watcher_;
};

}  // namespace kascade
