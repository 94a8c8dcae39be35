// serve/push_server.h: the HTTP server of `kascade serve`: push ingest (records land on the bus durably
// before the answer), the dashboard and its JSON routes, /healthz and /metrics.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "core/result.h"
#include "serve/access.h"
#include "serve/connection_guard.h"

namespace kascade {

struct PushServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int64_t max_request_bytes = 8LL << 20;
  int64_t max_request_records = 100000;  // more records in one body: 400
  std::vector<std::string> topics;       // the topics pushes may write to (created on their first push)
  bool create_topics = false;            // others too, while the bus holds fewer than max_topics topics
  int64_t max_topics = 64;
  int64_t max_in_flight = 8;
  std::string key_pointer = "/login/uuid";  // JSON pointer of the record key in each object
  int32_t partitions = 1;                   // of a topic the server creates on its first push
  ConnectionLimits limits;                  // deadlines and bounds of every connection
  AccessTokens tokens;                      // none: no authentication
  std::string allowed_hosts;                // Host names (comma-separated); empty: loopback names and `host`
  std::string tls_cert_file, tls_key_file;  // PEM; both set: HTTPS only
  bool tls() const { return !tls_cert_file.empty() || !tls_key_file.empty(); }
};

// Serves POST /v1/topics/{topic}/records, GET / (the dashboard), the JSON
// routes added, GET /healthz and GET /metrics. A known path asked with another
// method is answered 405 with Allow.
class PushServer {
 public:
  PushServer(PushServerOptions options, Bus& bus);
  ~PushServer();
  PushServer(const PushServer&) = delete;
  PushServer& operator=(const PushServer&) = delete;

  // GET `path` answers 200 with what `body` returns (JSON), or 503 {"error": ...}
  // if it fails. Call before start(). The dashboard reads /v1/status, /v1/topics, /v1/lag.
  void add_json_route(std::string path, std::function<Result<std::string>()> body);

  // Appends what `metrics` returns (Prometheus text) to GET /metrics; a failure
  // is left out of that answer, as a comment. Call before start().
  void add_metrics(std::function<Result<std::string>()> metrics);

  // Binds and starts serving on a background thread; returns the bound port.
  Result<int> start();
  // Stops accepting, finishes the requests in flight, and joins.
  void stop();

  uint64_t records_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
