// mockapi/mock_api_server.h: a local randomuser-compatible API with fault injection (cpp-httplib).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "mockapi/fault_plan.h"

namespace kascade {

struct MockApiOptions {
  std::string host = "127.0.0.1";
  int port = 0;          // 0: any free port (see MockApiServer::port())
  double fail_rate = 0;  // share of API requests that get a fault
  std::vector<FaultKind> faults = all_fault_kinds();
  uint64_t fault_seed = 1;
  std::chrono::milliseconds latency{0};      // added to every API answer
  std::chrono::milliseconds stall{3000};     // the pause of a `stall` fault
  double rate_limit = 0;                     // API requests per second over all clients (0: none); more get 429
  int retry_after_seconds = 1;               // Retry-After of 429 and 503 answers
  std::string items_seed = "kascade-items";  // the users /items pages through
  uint64_t items = 100000;                   // how many /items there are
  int threads = 8;
};

// One request as the server saw it; tests check backoff and Retry-After from these.
struct MockRequest {
  int64_t at_ms = 0;  // wall clock, ms since the epoch, when the request arrived
  std::string path;
  std::string page_or_cursor;  // the page (/api) or cursor/page/offset (/items) asked for
  int status = 0;
  std::string fault;   // "" when answered normally
  uint64_t users = 0;  // users in the answer (0 when faulted)
};

// GET /api/ (randomuser: results, page, seed; same seed and page -> same
// users, built by RandomUserGenerator), GET /items (a cursor-, page- or
// offset-paginated list of users with a Link header), GET /_stats (counts
// and the request log as JSON). Serves on its own threads between start()
// and stop().
class MockApiServer {
 public:
  explicit MockApiServer(MockApiOptions options);
  ~MockApiServer();
  MockApiServer(const MockApiServer&) = delete;
  MockApiServer& operator=(const MockApiServer&) = delete;

  // Binds and starts serving on a thread of its own; returns the port.
  Result<int> start();
  // Stops accepting, finishes what is in flight, joins the threads.
  void stop();

  int port() const;
  std::vector<MockRequest> requests() const;
  std::string stats_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
