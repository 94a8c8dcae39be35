// cql/tls.h: TLS to Cassandra's native port (OpenSSL), with certificate and host-name checks.
//
// A TlsContext (one SSL_CTX: trusted CAs, optional client certificate) is made
// once per session and shared by its connections. Each connection verifies the
// node's certificate chain and that it was issued for the host name or IP
// address the connection was opened to.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"

struct ssl_ctx_st;

namespace kascade::cql {

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;      // PEM bundle of trusted CAs; empty: the system's default paths
  bool verify_host = true;  // false: the chain is still checked, not the name in it
  std::string cert_file;    // client certificate chain (PEM), for require_client_auth nodes
  std::string key_file;     // its private key (PEM)
};

class TlsContext {
 public:
  // Errc::config when a file cannot be loaded (the message names it, never its content).
  static Result<std::shared_ptr<const TlsContext>> create(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  bool verify_host() const { return verify_host_; }

 private:
  TlsContext(ssl_ctx_st* ctx, bool verify_host) : ctx_(ctx), verify_host_(verify_host) {}
  ssl_ctx_st* ctx_;
  bool verify_host_;
};

// The first error on OpenSSL's queue of this thread as text (and clears the queue).
std::string openssl_error_text();

}  // namespace kascade::cql
