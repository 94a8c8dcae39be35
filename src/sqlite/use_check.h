// sqlite/use_check.h: debug builds catch two threads inside one connection at once.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace kascade {

// kascade opens SQLite connections without SQLite's own mutex, so a
// connection and its statements must be used by one thread at a time (two
// threads at once corrupt the connection's state: errors such as "file is
// not a database"). In debug builds, the asan preset included, every call
// into SQLite through SqliteConnection and SqliteStatement enters a Scope,
// which aborts with a message when another thread is inside the same
// connection. Release builds compile the Scope away.
class ConnectionUseCheck {
 public:
  class Scope {
   public:
#ifndef NDEBUG
    explicit Scope(ConnectionUseCheck* check) : check_(check) {
      if (check_ != nullptr) check_->enter();
    }
    ~Scope() {
      if (check_ != nullptr) check_->leave();
    }
#else
    explicit Scope(ConnectionUseCheck* /*check*/) {}
#endif
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

#ifndef NDEBUG
   private:
    ConnectionUseCheck* check_;
#endif
  };

 private:
  // The same thread may enter again (an SQL function that SQLite calls back
  // may use its connection while the outer call is inside it).
  void enter() {
    const std::thread::id me = std::this_thread::get_id();
    std::thread::id expected{};
    if (!owner_.compare_exchange_strong(expected, me) && expected != me) {
      std::fputs("kascade: one SQLite connection used by two threads at once (a kascade bug)\n", stderr);
      std::abort();
    }
    ++depth_;
  }
  void leave() {
    if (--depth_ == 0) owner_.store(std::thread::id{});
  }

  std::atomic<std::thread::id> owner_{};
  int depth_ = 0;  // changed by the owning thread only
};

}  // namespace kascade
