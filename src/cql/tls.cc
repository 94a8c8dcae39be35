// cql/tls.cc: the shared SSL_CTX of a session.
#include "cql/tls.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace kascade::cql {

std::string openssl_error_text() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail from OpenSSL";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Result<std::shared_ptr<const TlsContext>> TlsContext::create(const TlsOptions& o) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return Error::make(Errc::internal, "TLS: cannot create a context: " + openssl_error_text());
  }
  std::shared_ptr<const TlsContext> owner(new TlsContext(ctx, o.verify_host));
  auto fail = [](std::string what) {
    return Error::make(Errc::config, fmt::format("TLS: {}: {}", what, openssl_error_text()));
  };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Writes resume after WANT_WRITE from a buffer that may have moved, and may be partial.
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (o.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) return fail("cannot load the system's CA certificates");
  } else if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
    return fail(fmt::format("cannot load the CA file '{}'", o.ca_file));
  }
  if (o.cert_file.empty() != o.key_file.empty()) {
    return Error::make(Errc::config, "TLS: a client certificate needs both its certificate and key files");
  }
  if (!o.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1)
      return fail(fmt::format("cannot load the client certificate '{}'", o.cert_file));
    if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return fail(fmt::format("cannot load the client key '{}'", o.key_file));
    if (SSL_CTX_check_private_key(ctx) != 1)
      return fail(fmt::format("the key '{}' does not match the certificate '{}'", o.key_file, o.cert_file));
  }
  return owner;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace kascade::cql
