// app/stop_signals.cc: a thread that waits for SIGINT/SIGTERM with sigtimedwait().
#include "app/stop_signals.h"

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace kascade {
namespace {

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

StopSignals::StopSignals(std::function<void()> on_stop) : on_stop_(std::move(on_stop)) {
  const sigset_t set = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  watcher_ = std::thread([this] { watch(); });
}

StopSignals::~StopSignals() {
  closing_ = true;
  watcher_.join();
}

void StopSignals::watch() {
  pthread_setname_np(pthread_self(), "kascade-signals");
  const sigset_t set = stop_signal_set();
  const timespec tick{0, 50'000'000};  // how soon the destructor is noticed
  while (!closing_.load()) {
    const int signal_number = sigtimedwait(&set, nullptr, &tick);
    if (signal_number < 0) continue;  // EAGAIN (tick) or EINTR
    if (received_.load()) continue;
    signal_number_ = signal_number;
    received_ = true;
    if (on_stop_) on_stop_();
    std::lock_guard lock(mutex_);
    arrived_.notify_all();
  }
}

void StopSignals::wait() {
  std::unique_lock lock(mutex_);
  arrived_.wait(lock, [this] { return received_.load(); });
}

}  // namespace kascade
