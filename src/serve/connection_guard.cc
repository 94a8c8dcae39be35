// serve/connection_guard.cc: a connection's stream with deadlines and a header budget, plain or TLS,
// the keep-alive loop around cpp-httplib's request processing, and the refusal beyond the bound.
#include "serve/connection_guard.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <string_view>

namespace kascade {
namespace {

using Clock = std::chrono::steady_clock;

thread_local bool close_after_response = false;

// Milliseconds left until `deadline`, rounded up: a poll() for them does not wake before it.
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

// Waits until `fd` is ready for `events`, at most until `deadline`: false means the deadline
// passed (or the socket failed), never an early wake-up.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
    if (ready == 0 && Clock::now() >= deadline) return false;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  const int got = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                       : getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  if (got != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
    port = ntohs(in.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    port = ntohs(in6.sin6_port);
  }
  ip = text;
}

std::string canned(std::string_view status, std::string_view error) {
  const std::string body = std::string(R"({"error":")") + std::string(error) + "\"}";
  return std::string("HTTP/1.1 ") + std::string(status) +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// One connection: every read and write bounded by the deadline of the current phase; the request
// line and headers bounded in bytes and lines. Reads and writes fail once a limit is passed.
class GuardedStream final : public httplib::Stream {
 public:
  GuardedStream(int fd, SSL* ssl, const ConnectionLimits& limits) : fd_(fd), ssl_(ssl), limits_(limits) {}

  bool timed_out = false;   // a read passed its deadline
  bool over_limit = false;  // the request line and headers passed a bound
  bool wrote = false;       // something of this request's answer was written

  void begin_request() {
    in_headers_ = true;
    header_bytes_ = 0;
    header_lines_ = 0;
    wrote = false;
    writing_ = false;
    read_deadline_ = Clock::now() + std::chrono::milliseconds(limits_.header_timeout_ms);
  }
  void begin_body() {
    in_headers_ = false;
    read_deadline_ = Clock::now() + std::chrono::milliseconds(limits_.body_timeout_ms);
  }
  bool has_buffered() const { return begin_ < end_ || (ssl_ && SSL_pending(ssl_) > 0); }

  // Waits for a request's first byte until `deadline`, giving up early when `stop` says so.
  bool wait_request(Clock::time_point deadline, const std::atomic<int>& listening) {
    while (!has_buffered()) {
      if (listening.load() == INVALID_SOCKET) return false;
      const auto slice = std::min(deadline, Clock::now() + std::chrono::milliseconds(200));
      if (wait_for(fd_, POLLIN, slice)) return true;
      if (Clock::now() >= deadline) return false;
    }
    return true;
  }

  // The TLS handshake, by `deadline`.
  bool handshake(Clock::time_point deadline) {
    for (;;) {
      const int done = SSL_accept(ssl_);
      if (done == 1) return true;
      const int error = SSL_get_error(ssl_, done);
      if (error == SSL_ERROR_WANT_READ && wait_for(fd_, POLLIN, deadline)) continue;
      if (error == SSL_ERROR_WANT_WRITE && wait_for(fd_, POLLOUT, deadline)) continue;
      ERR_clear_error();
      return false;
    }
  }

  bool is_readable() const override { return has_buffered() || wait_for(fd_, POLLIN, read_deadline_); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_deadline()); }

  ssize_t read(char* ptr, size_t size) override {
    if (timed_out || over_limit) return -1;
    if (begin_ == end_) {
      const ssize_t got = fill();
      if (got <= 0) return got;
    }
    size_t n = std::min(size, end_ - begin_);
    if (in_headers_) {
      // The request line and the headers are read a byte at a time: count them exactly.
      for (size_t i = 0; i < n; ++i) {
        if (buffer_[begin_ + i] == '\n') ++header_lines_;
      }
      header_bytes_ += n;
      // Lines: the request line, the headers, the blank line.
      if (header_bytes_ > limits_.max_header_bytes || header_lines_ > limits_.max_header_count + 2) {
        over_limit = true;
        return -1;
      }
    }
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  // Writes are bounded by one deadline per answer; after a read failed they are dropped (the
  // connection is answered 408 or 431 instead).
  ssize_t write(const char* ptr, size_t size) override {
    if (timed_out || over_limit) return static_cast<ssize_t>(size);
    if (!writing_) {
      writing_ = true;
      write_deadline_ = Clock::now() + std::chrono::milliseconds(limits_.body_timeout_ms);
    }
    wrote = true;
    return write_raw(ptr, size, write_deadline_);
  }

  ssize_t write_raw(const char* ptr, size_t size, Clock::time_point deadline) {
    size_t done = 0;
    while (done < size) {
      if (ssl_) {
        const int n = SSL_write(ssl_, ptr + done, static_cast<int>(std::min<size_t>(size - done, 1 << 20)));
        if (n > 0) {
          done += static_cast<size_t>(n);
          continue;
        }
        const int error = SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_WANT_WRITE && wait_for(fd_, POLLOUT, deadline)) continue;
        if (error == SSL_ERROR_WANT_READ && wait_for(fd_, POLLIN, deadline)) continue;
        ERR_clear_error();
        return -1;
      }
      const ssize_t n = ::send(fd_, ptr + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(fd_, POLLOUT, deadline)) {
        continue;
      } else {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  Clock::time_point write_deadline() const {
    return writing_ ? write_deadline_ : Clock::now() + std::chrono::milliseconds(limits_.body_timeout_ms);
  }

  // Reads what is there into the buffer, waiting until the read deadline; 0 at the end, -1 on failure.
  ssize_t fill() {
    begin_ = end_ = 0;
    for (;;) {
      if (ssl_) {
        const int n = SSL_read(ssl_, buffer_.data(), static_cast<int>(buffer_.size()));
        if (n > 0) {
          end_ = static_cast<size_t>(n);
          return n;
        }
        const int error = SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_ZERO_RETURN) return 0;
        if (error == SSL_ERROR_WANT_READ && wait_read()) continue;
        if (error == SSL_ERROR_WANT_WRITE && wait_for(fd_, POLLOUT, read_deadline_)) continue;
        ERR_clear_error();
        return -1;
      }
      const ssize_t n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
      if (n >= 0) {
        end_ = static_cast<size_t>(n);
        return n;
      }
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_read()) continue;
      return -1;
    }
  }

  bool wait_read() {
    if (wait_for(fd_, POLLIN, read_deadline_)) return true;
    timed_out = Clock::now() >= read_deadline_;
    return false;
  }

  int fd_;
  SSL* ssl_;
  const ConnectionLimits& limits_;
  std::array<char, 16 << 10> buffer_{};
  size_t begin_ = 0, end_ = 0;
  bool in_headers_ = true;
  bool writing_ = false;
  int64_t header_bytes_ = 0, header_lines_ = 0;
  Clock::time_point read_deadline_ = Clock::now();
  Clock::time_point write_deadline_ = Clock::now();
};

// Closes so that an answer sent before the request was read reaches the client: our side is shut
// down first, then what the client still sends is read and dropped for a short while.
void linger_close(int fd, std::chrono::milliseconds linger) {
  ::shutdown(fd, SHUT_WR);
  const auto deadline = Clock::now() + linger;
  std::array<char, 4096> sink;
  while (wait_for(fd, POLLIN, deadline)) {
    const ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
  }
  ::close(fd);
}

}  // namespace

void close_connection_after_response() { close_after_response = true; }

void ConnectionGuard::serve(int sock, SSL_CTX* tls, const std::atomic<int>& listening, size_t keep_alive_max,
                            const ProcessRequest& process) {
  const auto accepted = Clock::now();
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
  if (active_.fetch_add(1) >= limits_.max_connections) {
    active_.fetch_sub(1);
    ++refused_;
    // Beyond the bound: a quick answer (TLS: no handshake, just closed), never a wait.
    if (!tls) {
      const std::string answer = canned("503 Service Unavailable", "too many connections");
      (void)::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    linger_close(sock, std::chrono::milliseconds(100));
    return;
  }

  SSL* ssl = nullptr;
  if (tls) {
    ssl = SSL_new(tls);
    if (ssl) SSL_set_fd(ssl, sock);
  }
  GuardedStream stream(sock, ssl, limits_);
  bool linger = false;
  const bool ready = !tls || (ssl && stream.handshake(accepted + std::chrono::milliseconds(limits_.header_timeout_ms)));
  if (ready) {
    auto first_byte_by = accepted + std::chrono::milliseconds(limits_.header_timeout_ms);
    for (size_t left = keep_alive_max; left > 0; --left) {
      if (!stream.wait_request(first_byte_by, listening)) break;
      stream.begin_request();
      close_after_response = false;
      bool connection_closed = false;
      const bool ok =
          process(stream, left == 1, connection_closed, [&stream](httplib::Request&) { stream.begin_body(); });
      if (stream.over_limit || stream.timed_out) {
        if (!stream.wrote) {
          const std::string answer = stream.over_limit
                                         ? canned("431 Request Header Fields Too Large", "request headers too large")
                                         : canned("408 Request Timeout", "request not received in time");
          stream.write_raw(answer.data(), answer.size(), Clock::now() + std::chrono::milliseconds(1000));
        }
        linger = true;
        break;
      }
      if (close_after_response) linger = true;
      if (!ok || connection_closed || close_after_response) break;
      first_byte_by = Clock::now() + std::chrono::milliseconds(limits_.idle_timeout_ms);
    }
  }
  if (ssl) {
    if (ready) SSL_shutdown(ssl);
    SSL_free(ssl);
    ERR_clear_error();
  }
  if (linger) {
    linger_close(sock, std::chrono::milliseconds(500));
  } else {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  active_.fetch_sub(1);
}

void raise_accept_backlog(httplib::Server& server, int backlog) {
  if (const auto* guarded = dynamic_cast<const ListeningSocket*>(&server)) {
    const int fd = guarded->listening_socket();
    if (fd != INVALID_SOCKET) (void)::listen(fd, backlog);  // a listening socket takes a new backlog
  }
}

std::unique_ptr<httplib::Server> make_guarded_server(ConnectionGuard& guard, const std::string& cert_file,
                                                     const std::string& key_file) {
  if (cert_file.empty() && key_file.empty()) return std::make_unique<GuardedServer<httplib::Server>>(guard);
  return std::make_unique<GuardedServer<httplib::SSLServer>>(guard, cert_file.c_str(), key_file.c_str());
}

}  // namespace kascade
