// cql/transport.cc: non-blocking TCP connect, TLS handshake and checks, reads and writes.
#include "cql/transport.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace kascade::cql {
namespace {

using Clock = Transport::Clock;

Error unreachable(const std::string& address, std::string_view why) {
  return Error::make(Errc::unavailable, fmt::format("cannot connect to Cassandra at {}: {}", address, why),
                     /*retriable=*/true);
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Waits for `events` on fd: >0 ready (or hung up), 0 timed out, <0 failed.
int wait_for(int fd, short events, int timeout_ms) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    return ready;
  }
}

// A non-blocking TCP connection to host:port within the deadline.
Result<int> connect_socket(const std::string& host, uint16_t port, const std::string& address,
                           Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    return unreachable(address, gai_strerror(rc));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
    } else {
      const int ready = wait_for(fd, POLLOUT, remaining_ms(deadline));
      int err = 0;
      socklen_t len = sizeof err;
      if (ready == 0) {
        last_error = "no answer in time";
      } else if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        last_error = std::strerror(err ? err : errno);
      } else {
        break;  // connected
      }
    }
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return unreachable(address, last_error);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool is_ip_address(const std::string& host) {
  in6_addr any;
  return inet_pton(AF_INET, host.c_str(), &any) == 1 || inet_pton(AF_INET6, host.c_str(), &any) == 1;
}

Error write_failed(std::string_view why) {
  return Error::make(Errc::unavailable, fmt::format("write to Cassandra failed: {}", why),
                     /*retriable=*/true);
}

Error stalled() {
  return Error::make(Errc::unavailable, "Cassandra stopped reading (send timed out)",
                     /*retriable=*/true);
}

// OpenSSL writes to the socket with write(), which raises SIGPIPE when the
// peer has gone: hold SIGPIPE blocked for this thread meanwhile and swallow
// one it raised, so a lost node is an error, not the end of the process.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      const timespec none{0, 0};
      while (sigtimedwait(&pipe, nullptr, &none) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t old_;
  bool was_pending_ = false;
};

}  // namespace

Result<std::unique_ptr<Transport>> Transport::open(const std::string& host, uint16_t port,
                                                   const std::shared_ptr<const TlsContext>& tls,
                                                   Clock::time_point deadline) {
  const std::string address = fmt::format("{}:{}", host, port);
  auto fd = connect_socket(host, port, address, deadline);
  if (!fd) return fd.error();
  std::unique_ptr<Transport> t(new Transport(*fd, address));
  if (tls) {
    t->tls_ = tls;
    if (auto s = t->tls_handshake(host, *tls, deadline); !s) return s.error();
  }
  return t;
}

Transport::~Transport() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ::close(fd_);
}

void Transport::shutdown() { ::shutdown(fd_, SHUT_RDWR); }

Status Transport::tls_handshake(const std::string& host, const TlsContext& tls, Clock::time_point deadline) {
  ERR_clear_error();
  ssl_ = SSL_new(tls.native());
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
    return Error::make(Errc::internal, "TLS: cannot set up a connection: " + openssl_error_text());
  }
  const bool ip = is_ip_address(host);
  // SNI carries names only (RFC 6066); an IP is checked against the certificate's IP entries.
  if (!ip) SSL_set_tlsext_host_name(ssl_, host.c_str());
  if (tls.verify_host()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    const int set =
        ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (set != 1) {
      return Error::make(Errc::config,
                         fmt::format("TLS: cannot check the host name '{}': {}", host, openssl_error_text()));
    }
  }
  SigpipeGuard no_sigpipe;  // the handshake writes too
  while (true) {
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return ok_status();
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      const int ready = wait_for(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, remaining_ms(deadline));
      if (ready == 0) {
        return Error::make(Errc::timeout,
                           fmt::format("Cassandra at {} did not finish the TLS handshake in time", address_),
                           /*retriable=*/true);
      }
      if (ready > 0) continue;
    }
    const long verdict = SSL_get_verify_result(ssl_);
    if (verdict != X509_V_OK) {
      // Another attempt would meet the same certificate: not retriable.
      ERR_clear_error();
      return Error::make(Errc::unavailable,
                         fmt::format("TLS: the certificate of Cassandra at {} failed verification: {} "
                                     "(checked against '{}'{})",
                                     address_, X509_verify_cert_error_string(verdict), host,
                                     tls.verify_host() ? "" : ", host name not checked"),
                         /*retriable=*/false);
    }
    const std::string detail = err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0
                                   ? std::string(errno != 0 ? std::strerror(errno) : "the connection was closed")
                                   : openssl_error_text();
    return Error::make(Errc::unavailable,
                       fmt::format("TLS handshake with Cassandra at {} failed: {}", address_, detail),
                       /*retriable=*/true);
  }
}

Status Transport::write_all(std::string_view bytes, std::chrono::milliseconds stall_timeout) {
  if (ssl_ != nullptr) return tls_write_all(bytes, stall_timeout);
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return write_failed(std::strerror(errno));
    const int ready = wait_for(fd_, POLLOUT, static_cast<int>(stall_timeout.count()));
    if (ready == 0) return stalled();
    if (ready < 0) return write_failed(std::strerror(errno));
  }
  return ok_status();
}

Status Transport::tls_write_all(std::string_view bytes, std::chrono::milliseconds stall_timeout) {
  SigpipeGuard no_sigpipe;
  auto deadline = Clock::now() + stall_timeout;
  while (!bytes.empty()) {
    size_t written = 0;
    int err = SSL_ERROR_NONE;
    {
      std::lock_guard lock(ssl_mutex_);
      ERR_clear_error();
      const int rc = SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written);
      if (rc != 1) err = SSL_get_error(ssl_, rc);
    }
    if (err == SSL_ERROR_NONE) {
      bytes.remove_prefix(written);
      deadline = Clock::now() + stall_timeout;  // progress: the stall clock restarts
      continue;
    }
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
      return write_failed(err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 ? std::string(std::strerror(errno))
                                                                            : openssl_error_text());
    }
    // WANT_READ: the reading thread processes what the peer sent (a key
    // update); retry shortly rather than competing with it for the bytes.
    const int wait = err == SSL_ERROR_WANT_WRITE ? remaining_ms(deadline) : std::min(remaining_ms(deadline), 10);
    const int ready = wait_for(fd_, POLLOUT, wait);
    if (ready < 0) return write_failed(std::strerror(errno));
    if (ready == 0 && remaining_ms(deadline) == 0) return stalled();
  }
  return ok_status();
}

Result<size_t> Transport::read_some(char* out, size_t capacity, int wait_ms) {
  if (ssl_ != nullptr) return tls_read_some(out, capacity, wait_ms);
  const int ready = wait_for(fd_, POLLIN, wait_ms);
  if (ready < 0) return Error::make(Errc::unavailable, std::strerror(errno), true);
  if (ready == 0) return size_t{0};
  while (true) {
    const ssize_t got = ::recv(fd_, out, capacity, 0);
    if (got > 0) return static_cast<size_t>(got);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return size_t{0};
    return Error::make(Errc::unavailable, got == 0 ? "closed by the peer" : std::strerror(errno), true);
  }
}

Result<size_t> Transport::tls_read_some(char* out, size_t capacity, int wait_ms) {
  bool waited = false;
  while (true) {
    size_t got = 0;
    int err = SSL_ERROR_NONE;
    {
      SigpipeGuard no_sigpipe;  // reading may write too (a key update's answer)
      std::lock_guard lock(ssl_mutex_);
      ERR_clear_error();
      const int rc = SSL_read_ex(ssl_, out, capacity, &got);
      if (rc != 1) err = SSL_get_error(ssl_, rc);
    }
    if (err == SSL_ERROR_NONE) return got;
    if (err == SSL_ERROR_ZERO_RETURN) return Error::make(Errc::unavailable, "closed by the peer", true);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      return Error::make(Errc::unavailable,
                         err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0
                             ? std::string(errno != 0 ? std::strerror(errno) : "closed by the peer")
                             : "TLS: " + openssl_error_text(),
                         true);
    }
    // Only bytes OpenSSL has not buffered yet are worth waiting for, once.
    if (waited) return size_t{0};
    const int ready = wait_for(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, wait_ms);
    if (ready < 0) return Error::make(Errc::unavailable, std::strerror(errno), true);
    if (ready == 0) return size_t{0};
    waited = true;
  }
}

}  // namespace kascade::cql
