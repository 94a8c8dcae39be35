// cql/transport.h: the byte stream under a Connection, plain TCP or TLS.
//
// The socket is non-blocking; waits are poll()s bounded by the caller's
// deadlines. One thread may read while another writes: with TLS, the two take
// turns on the SSL object (OpenSSL does not allow both at once) and wait for
// the socket outside that lock, so a reader waiting for data never blocks a
// writer.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"
#include "cql/tls.h"

struct ssl_st;

namespace kascade::cql {

class Transport {
 public:
  using Clock = std::chrono::steady_clock;

  // TCP to host:port, then the TLS handshake if `tls` is set, before the deadline.
  // A certificate the checks refuse is an Errc::unavailable error that is not
  // retriable, naming the host and OpenSSL's reason.
  static Result<std::unique_ptr<Transport>> open(const std::string& host, uint16_t port,
                                                 const std::shared_ptr<const TlsContext>& tls,
                                                 Clock::time_point deadline);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Writes every byte; a retriable Errc::unavailable error if the peer takes
  // nothing for `stall_timeout` or the connection broke.
  Status write_all(std::string_view bytes, std::chrono::milliseconds stall_timeout);
  // Waits up to wait_ms for bytes and reads some: their count, 0 if none came
  // in time; an error once the connection has ended.
  Result<size_t> read_some(char* out, size_t capacity, int wait_ms);
  // Wakes a blocked read or write at once; they then fail. The descriptor
  // stays open (and so is not reused) until the Transport is destroyed.
  void shutdown();

 private:
  Transport(int fd, std::string address) : fd_(fd), address_(std::move(address)) {}
  Status tls_handshake(const std::string& host, const TlsContext& tls, Clock::time_point deadline);
  Status tls_write_all(std::string_view bytes, std::chrono::milliseconds stall_timeout);
  Result<size_t> tls_read_some(char* out, size_t capacity, int wait_ms);

  int fd_;
  std::string address_;                    // host:port, for messages
  ssl_st* ssl_ = nullptr;                  // null: plain TCP
  std::mutex ssl_mutex_;                   // one SSL_read or SSL_write at a time
  std::shared_ptr<const TlsContext> tls_;  // keeps the SSL_CTX alive as long as ssl_
};

}  // namespace kascade::cql
