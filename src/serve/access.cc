// serve/access.cc: bearer tokens (kept as SHA-256 digests, compared in constant time) and the Host check.
#include "serve/access.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include "core/text.h"

namespace kascade {
namespace {

std::string digest(std::string_view token) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// "name:port", "[v6]:port" or without the port -> the name ("[v6]" keeps its brackets), lowercase.
std::string host_name(std::string_view host) {
  host = trim(host);
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    return to_lower(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  return to_lower(host.substr(0, host.find(':')));
}

// Whether `presented` is one of `digests`: every digest is compared, each in constant time.
bool matches(const std::string& presented, const std::vector<std::string>& digests) {
  bool found = false;
  for (const auto& known : digests) {
    found |= CRYPTO_memcmp(presented.data(), known.data(), SHA256_DIGEST_LENGTH) == 0;
  }
  return found;
}

Error config_error(std::string message) { return Error::make(Errc::config, std::move(message)); }

}  // namespace

Result<AccessTokens> load_access_tokens(const TokenSources& sources) {
  AccessTokens tokens;
  auto from_env = [](const std::string& variable, const char* option, std::vector<std::string>& into) -> Status {
    if (variable.empty()) return Status{};
    const char* value = std::getenv(variable.c_str());
    const std::string_view token = value ? trim(value) : std::string_view{};
    if (token.empty()) {
      return config_error(fmt::format("{}: environment variable {} is not set or empty", option, variable));
    }
    into.push_back(digest(token));
    return Status{};
  };
  if (Status status = from_env(sources.push_token_env, "serve.auth.push_token_env", tokens.push); !status) {
    return status.error();
  }
  if (Status status = from_env(sources.read_token_env, "serve.auth.read_token_env", tokens.read); !status) {
    return status.error();
  }
  if (!sources.tokens_file.empty()) {
    std::ifstream file(sources.tokens_file);
    if (!file) return config_error(fmt::format("serve.auth.tokens_file: cannot read {}", sources.tokens_file));
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
      const std::string_view text = trim(line);
      if (text.empty() || text.starts_with('#')) continue;
      const size_t space = text.find_first_of(" \t");
      const std::string_view scope = text.substr(0, space);
      const std::string_view token = space == std::string_view::npos ? std::string_view{} : trim(text.substr(space));
      if ((scope != "push" && scope != "read") || token.empty() ||
          token.find_first_of(" \t") != std::string_view::npos) {
        return config_error(fmt::format("{}:{}: serve.auth.tokens_file: expected `push <token>` or `read <token>`",
                                        sources.tokens_file, number));
      }
      (scope == "push" ? tokens.push : tokens.read).push_back(digest(token));
    }
  }
  return tokens;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, std::string(host).c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::vector<std::string> allowed_host_names(std::string_view allowed, std::string_view listen_host) {
  std::vector<std::string> names;
  if (!trim(allowed).empty()) {
    while (!allowed.empty()) {
      const size_t comma = allowed.find(',');
      const std::string name = host_name(allowed.substr(0, comma));
      if (!name.empty()) names.push_back(name);
      allowed.remove_prefix(comma == std::string_view::npos ? allowed.size() : comma + 1);
    }
    return names;
  }
  names = {"localhost", "127.0.0.1", "[::1]"};
  // A wildcard address is no name a client asks for.
  if (listen_host != "0.0.0.0" && listen_host != "::" && !listen_host.empty()) {
    names.push_back(listen_host.find(':') != std::string_view::npos ? fmt::format("[{}]", to_lower(listen_host))
                                                                    : to_lower(listen_host));
  }
  return names;
}

std::optional<Refusal> AccessGate::check(std::string_view method, std::string_view path,
                                         std::optional<std::string_view> host, std::string_view authorization) const {
  if (!host || trim(*host).empty()) return Refusal{400, R"({"error":"a Host header is required"})"};
  const std::string name = host_name(*host);
  if (std::find(allowed_hosts_.begin(), allowed_hosts_.end(), name) == allowed_hosts_.end()) {
    return Refusal{421, R"({"error":"this Host is not served here; see serve.allowed_hosts"})"};
  }
  if (tokens_.empty() || path == "/" || path == "/healthz") return std::nullopt;

  const bool push = method == "POST" && path.starts_with("/v1/topics/");
  constexpr std::string_view kBearer = "Bearer ";
  authorization = trim(authorization);
  if (authorization.size() <= kBearer.size() || to_lower(authorization.substr(0, kBearer.size())) != "bearer ") {
    return Refusal{401, R"({"error":"a bearer token is required"})"};
  }
  const std::string presented = digest(trim(authorization.substr(kBearer.size())));
  const bool may_push = matches(presented, tokens_.push), may_read = matches(presented, tokens_.read);
  if (push ? may_push : may_read) return std::nullopt;
  if (may_push || may_read) {
    return Refusal{403, fmt::format(R"({{"error":"this token does not have the {} scope"}})", push ? "push" : "read")};
  }
  return Refusal{401, R"({"error":"the bearer token is not valid"})"};
}

}  // namespace kascade
