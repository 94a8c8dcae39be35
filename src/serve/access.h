// serve/access.h: who may ask `kascade serve` what: bearer tokens of two scopes (push, read), read from
// environment variables or a file, and the Host header's check against the allowed names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kascade {

// The SHA-256 digests of the tokens of each scope (the tokens themselves are not kept).
struct AccessTokens {
  std::vector<std::string> push;
  std::vector<std::string> read;
  bool empty() const { return push.empty() && read.empty(); }
};

// Where the tokens come from: the names of two environment variables (each may hold one token),
// and a file of lines `push <token>` / `read <token>` (blank lines and `#` comments allowed).
// Empty: not used. A variable named but unset or empty, an unreadable file or a bad line is a
// config error naming the option (and the file's line); a token is never part of a message.
struct TokenSources {
  std::string push_token_env;
  std::string read_token_env;
  std::string tokens_file;
};
Result<AccessTokens> load_access_tokens(const TokenSources& sources);

// Whether `host` (serve.host) only accepts connections from this machine.
bool is_loopback_host(std::string_view host);

// The Host names a request may carry: `allowed` (comma-separated) or, when empty, localhost,
// 127.0.0.1, [::1] and `listen_host`.
std::vector<std::string> allowed_host_names(std::string_view allowed, std::string_view listen_host);

struct Refusal {
  int status;
  std::string body;  // JSON
};

// Decides, before a request's body is read, whether it may go on: its Host header must be allowed
// (421; 400 without one); with tokens, POST to a topic needs a push token and every other route
// but `/` and `/healthz` a read token (401 without a valid token, 403 with a token of the other scope).
class AccessGate {
 public:
  AccessGate(AccessTokens tokens, std::vector<std::string> allowed_hosts)
      : tokens_(std::move(tokens)), allowed_hosts_(std::move(allowed_hosts)) {}

  std::optional<Refusal> check(std::string_view method, std::string_view path, std::optional<std::string_view> host,
                               std::string_view authorization) const;

 private:
  AccessTokens tokens_;
  std::vector<std::string> allowed_hosts_;
};

}  // namespace kascade
