// serve/push_server.h: HTTP push ingest: POST records, they land on the bus durably before the answer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bus/bus.h"
#include "core/result.h"

namespace kascade {

struct PushServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int64_t max_request_bytes = 8LL << 20;
  int64_t max_in_flight = 8;
  std::string key_pointer = "/login/uuid";  // JSON pointer of the record key in each object
  int32_t partitions = 1;                   // of a topic the server creates on its first push
};

// Serves POST /v1/topics/{topic}/records, GET /healthz and GET /metrics.
class PushServer {
 public:
  PushServer(PushServerOptions options, Bus& bus);
  ~PushServer();
  PushServer(const PushServer&) = delete;
  PushServer& operator=(const PushServer&) = delete;

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
