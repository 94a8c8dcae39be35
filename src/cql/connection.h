// cql/connection.h: one connection (TCP, or TLS: cql/transport.h) to one Cassandra node, many requests in flight.
//
// Requests are multiplexed by stream id. Any thread may send(); writes are
// combined (the thread that finds the socket idle writes what others queued
// meanwhile). One I/O thread per connection reads responses, runs each
// request's callback, delivers EVENTs, and expires requests past their
// timeout. A timed-out stream id stays reserved until its late answer arrives,
// so an id is never reused while the server may still answer it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "cql/messages.h"
#include "cql/tls.h"
#include "cql/transport.h"
#include "cql/wire.h"

namespace kascade::cql {

struct Credentials {
  std::string username;  // empty: no authentication
  std::string password;
};

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9042;
  Credentials credentials;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{12000};
  int max_streams = 1024;   // concurrent requests on this connection (protocol max 32768)
  uint8_t max_version = 4;  // negotiated down to 3 if the server refuses
  std::string keyspace;     // USE'd after the handshake if set
  bool register_schema_events = false;
  std::function<void(const Event&)> on_event;  // called on the I/O thread
  std::shared_ptr<const TlsContext> tls;       // null: plain TCP
};

struct Response {
  FrameHeader header;
  std::string body;
};

// Runs once per request, on the connection's I/O thread (or on the sending
// thread if the request never left). Errors: Errc::timeout (retriable),
// Errc::unavailable when the connection broke (retriable).
using ResponseCallback = std::function<void(Result<Response>)>;

class Connection {
 public:
  // Connects, negotiates the protocol version, authenticates; bounded by connect_timeout.
  static Result<std::unique_ptr<Connection>> open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends a whole frame (its stream id is set here). Fails at once, without
  // calling `done`, if the connection is closed or all stream ids are busy.
  // With `defer`, the frame is only queued: the next flush() or send() without
  // defer writes it, with whatever else was queued, in one write.
  Status send(std::string_view frame, ResponseCallback done, bool defer = false);
  // Writes the frames queued by deferred sends, if any.
  void flush();
  // send() and wait: for setup and tools, not for the hot path.
  Result<Response> call(std::string_view frame);

  bool is_open() const { return open_.load(std::memory_order_acquire); }
  size_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }
  uint8_t version() const { return version_; }
  const std::string& address() const { return address_; }
  void close();

 private:
  Connection(std::unique_ptr<Transport> transport, uint8_t version, const ConnectionOptions& options);
  void read_loop();
  void expire_timed_out(std::chrono::steady_clock::time_point now);
  void fail_all(const Error& error);
  void deliver(const FrameHeader& header, std::string body);
  Status write_all(std::string& bytes);
  // Writes the outbox until it stays empty (caller holds `lock` on mutex_ and is the writer).
  void write_outbox(std::unique_lock<std::mutex>& lock);

  enum class Slot : uint8_t { free, waiting, orphaned };
  struct Pending {
    Slot state = Slot::free;
    std::chrono::steady_clock::time_point deadline;
    ResponseCallback done;
  };

  std::unique_ptr<Transport> transport_;  // kept (its descriptor open) until close() ends
  std::chrono::milliseconds send_stall_timeout_;
  uint8_t version_;
  std::string address_;
  std::chrono::milliseconds request_timeout_;
  std::function<void(const Event&)> on_event_;
  std::atomic<bool> open_{true};
  std::atomic<size_t> in_flight_{0};

  std::mutex mutex_;  // guards pending_, free_streams_, outbox_, writing_
  std::vector<Pending> pending_;
  std::vector<int16_t> free_streams_;
  std::string outbox_;
  bool writing_ = false;

  std::thread reader_;
};

}  // namespace kascade::cql
