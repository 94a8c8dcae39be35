// serve/connection_guard.h: per-connection deadlines, header bounds and a bound on connections for
// `kascade serve`, plain or TLS, so slow or huge clients cannot starve the others.
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace kascade {

struct ConnectionLimits {
  int64_t header_timeout_ms =
      10000;                        // from a request's first byte (a connection's first: from accept) to its blank line
  int64_t body_timeout_ms = 60000;  // to read a request's body; and to write a response
  int64_t idle_timeout_ms = 5000;   // a kept-alive connection without a new request is closed
  int64_t max_connections = 64;     // beyond them: 503 and closed at once (TLS: closed)
  int64_t max_header_count = 100;   // more header lines: 431, connection closed
  int64_t max_header_bytes = 64 << 10;  // request line and headers together
};

using ProcessRequest = std::function<bool(httplib::Stream&, bool close_connection, bool& connection_closed,
                                          const std::function<void(httplib::Request&)>& setup_request)>;

// Serves the connections of one server, each on the thread that accepted it.
class ConnectionGuard {
 public:
  explicit ConnectionGuard(ConnectionLimits limits) : limits_(limits) {}

  // Serves `sock` until it ends, a limit is passed or `listening` is closed, then closes it.
  // `tls` null: plain HTTP. `process` is cpp-httplib's Server::process_request.
  void serve(int sock, SSL_CTX* tls, const std::atomic<int>& listening, size_t keep_alive_max,
             const ProcessRequest& process);

  // Threads a server needs: one per connection, and two for the refusals beyond the bound.
  size_t workers() const { return static_cast<size_t>(limits_.max_connections) + 2; }
  uint64_t refused() const { return refused_.load(); }

 private:
  ConnectionLimits limits_;
  std::atomic<int64_t> active_{0};
  std::atomic<uint64_t> refused_{0};
};

// Called by a request handler (on the connection's thread): close the connection after this
// answer, e.g. when it is answered before its body was read.
void close_connection_after_response();

// What a guarded server adds to cpp-httplib's: its listening socket, whose accept backlog
// cpp-httplib leaves at 5 (a burst of connections would wait in SYN retries, seconds each).
class ListeningSocket {
 public:
  virtual ~ListeningSocket() = default;
  virtual int listening_socket() const = 0;
};

// After bind: lets up to `backlog` connections wait to be accepted (the kernel caps it at somaxconn).
void raise_accept_backlog(httplib::Server& server, int backlog);

// cpp-httplib's Server or SSLServer, its connections served through `guard`.
template <class Base>
class GuardedServer final : public Base, public ListeningSocket {
 public:
  template <class... Args>
  explicit GuardedServer(ConnectionGuard& guard, Args&&... args) : Base(std::forward<Args>(args)...), guard_(guard) {
    this->new_task_queue = [&guard] { return new httplib::ThreadPool(guard.workers()); };
  }
  int listening_socket() const override { return this->svr_sock_; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    SSL_CTX* tls = nullptr;
    if constexpr (std::is_base_of_v<httplib::SSLServer, Base>) tls = this->ssl_context();
    guard_.serve(sock, tls, this->svr_sock_, this->keep_alive_max_count_,
                 [this](httplib::Stream& stream, bool close_connection, bool& connection_closed,
                        const std::function<void(httplib::Request&)>& setup_request) {
                   return this->process_request(stream, close_connection, connection_closed, setup_request);
                 });
    return true;
  }

  ConnectionGuard& guard_;
};

// A guarded server: HTTPS with the PEM files `cert_file` and `key_file` when both are set (is_valid()
// says whether they loaded), else plain HTTP.
std::unique_ptr<httplib::Server> make_guarded_server(ConnectionGuard& guard, const std::string& cert_file,
                                                     const std::string& key_file);

}  // namespace kascade
