// cql/session.h: kascade's Cassandra client, the entry point of the cql module.
//
// A Session knows the cluster's nodes (contact points, then system.local and
// system.peers), keeps a pool of connections per node, routes prepared
// statements to the node owning their partition (Murmur3 tokens), caches
// prepared statements and re-prepares them when a node answers UNPREPARED,
// retries idempotent requests with backoff, and surfaces server warnings and
// schema-change events through callbacks.
//
// Thread-safe: any thread may call it. Callbacks of execute_async() run on a
// connection's I/O thread or on the retry thread: keep them short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "cql/binding.h"
#include "cql/connection.h"
#include "cql/messages.h"

namespace kascade::cql {

struct SessionOptions {
  std::vector<std::string> contact_points = {"127.0.0.1"};  // "host" or "host:port"
  uint16_t port = 9042;
  Credentials credentials;
  TlsOptions tls;        // TLS to every node (cql/tls.h)
  std::string keyspace;  // optional: USE'd on every connection
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{12000};
  int connections_per_host = 1;
  int max_streams_per_connection = 1024;
  bool discover_nodes = true;  // false: use only the contact points
  // Requests awaiting an answer, the whole session: a caller waits beyond
  // (after writing what is queued). Never call the session from a callback.
  int max_in_flight = 1024;
  int max_attempts = 5;                         // per idempotent request
  std::chrono::milliseconds retry_backoff{20};  // doubles per attempt
  std::function<void(const std::string& warning)> on_warning;
  std::function<void(const SchemaChange& change)> on_schema_change;
};

// How one request is sent (the frame-level form of ExecuteOptions).
struct RequestOptions {
  bool idempotent = false;       // only idempotent requests are retried
  std::optional<int64_t> token;  // the partition's token: routes to its node
  // Queue the request without writing it: Session::flush() (or a later
  // request that is not deferred) writes all queued ones in one write per
  // connection. Whoever defers must flush before waiting for the answers.
  // A retry is never deferred.
  bool defer_write = false;
};

using ExecuteCallback = std::function<void(Result<ResultMessage>)>;

class Session {
 public:
  static Result<std::unique_ptr<Session>> connect(SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A simple statement, one page (paging_state in QueryOptions continues).
  Result<ResultMessage> query(std::string_view cql, const QueryOptions& options = {});
  // A simple statement, every page.
  Result<Rows> query_all(std::string_view cql, Consistency consistency = Consistency::local_one,
                         int32_t page_size = 5000);

  // Prepares once per session (cached by text).
  Result<std::shared_ptr<const PreparedStatement>> prepare(std::string_view cql);

  // Binds `values` to `statement`'s markers (cql/binding.h) and sends the
  // EXECUTE to the node owning its partition (the routing token comes from
  // the markers the PREPARED result flags as partition key). Waits while
  // max_in_flight requests are in flight. `done` runs exactly once, unless
  // this returns an error (a value that does not bind: nothing is sent).
  Status execute_async(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                       const ExecuteOptions& options, ExecuteCallback done);
  Result<ResultMessage> execute(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                                const ExecuteOptions& options);
  Result<ResultMessage> execute(const Batch& batch, const ExecuteOptions& options);
  // Writes the requests queued with ExecuteOptions::defer_write, on every connection.
  void flush();
  // Requests sent and not answered yet.
  int in_flight() const;

  uint8_t protocol_version() const { return version_; }
  // Statements prepared again after a node answered UNPREPARED, and requests retried.
  uint64_t reprepared() const { return reprepared_.load(std::memory_order_relaxed); }
  uint64_t retried() const { return retried_.load(std::memory_order_relaxed); }
  size_t node_count() const;
  std::string describe() const;  // "127.0.0.1:9042 (+2 nodes)"

 private:
  struct Node;
  struct Request;
  explicit Session(SessionOptions options);

  Status discover(Connection& control);
  Connection* pick_connection(const std::optional<int64_t>& token);
  Connection* connection_of(Node& node);
  // Sends a whole frame; `batch` names the statements of a BATCH (for UNPREPARED answers).
  Status send_frame(std::shared_ptr<const PreparedStatement> statement, std::string frame, RequestOptions options,
                    ExecuteCallback done, std::vector<std::shared_ptr<const PreparedStatement>> batch = {});
  Result<ResultMessage> call_frame(std::shared_ptr<const PreparedStatement> statement, std::string frame,
                                   RequestOptions options,
                                   std::vector<std::shared_ptr<const PreparedStatement>> batch = {});
  void admit(bool deferred);  // waits for room under max_in_flight, then counts the request
  void release();             // a request answered (or dropped)
  void dispatch(std::unique_ptr<Request> request);
  void on_response(std::unique_ptr<Request> request, Connection* via, Result<Response> response);
  void finish(std::unique_ptr<Request> request, Result<ResultMessage> result);
  void retry_later(std::unique_ptr<Request> request, Error why);
  void retry_loop();
  Result<ResultMessage> decode(const Response& response);

  SessionOptions options_;
  std::shared_ptr<const TlsContext> tls_;  // null: plain TCP
  uint8_t version_ = 4;

  mutable std::mutex nodes_mutex_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::pair<int64_t, size_t>> ring_;      // token -> index in nodes_, sorted
  std::vector<std::unique_ptr<Connection>> retired_;  // replaced after breaking; one per reconnect
  size_t round_robin_ = 0;

  std::mutex prepared_mutex_;
  std::map<std::string, std::shared_ptr<const PreparedStatement>, std::less<>> prepared_;

  std::mutex retry_mutex_;
  std::condition_variable retry_wakeup_;
  std::multimap<std::chrono::steady_clock::time_point, std::unique_ptr<Request>> retries_;
  bool stopping_ = false;
  std::thread retry_thread_;
  mutable std::mutex flight_mutex_;
  std::condition_variable flight_changed_;
  std::atomic<int> in_flight_{0};         // taken without the lock while below the bound
  std::atomic<int> waiting_for_room_{0};  // callers waiting on flight_changed_
  static constexpr int kFlushEvery = 32;  // deferred requests written together
  std::atomic<int> deferred_{0};          // deferred since the last flush
  std::atomic<uint64_t> reprepared_{0};
  std::atomic<uint64_t> retried_{0};
};

// Sends bound statements through a session (which bounds the requests in
// flight: a send waits beyond SessionOptions::max_in_flight) and keeps each
// one's failure under the tag its caller gave. wait() writes what is queued
// and returns once every request was answered. Used by one thread at a time;
// the session outlives it.
class RequestGroup {
 public:
  explicit RequestGroup(Session& session) : session_(session) {}
  ~RequestGroup() { wait(); }
  RequestGroup(const RequestGroup&) = delete;
  RequestGroup& operator=(const RequestGroup&) = delete;

  // A value that does not bind is returned at once (nothing is sent).
  Status execute(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                 const ExecuteOptions& options, uint64_t tag);
  void wait();

  struct Failure {
    uint64_t tag;
    Error error;
  };
  // The failures of the requests answered so far (after wait(): of all of them), in the order they came.
  std::vector<Failure> take_failures();

 private:
  Session& session_;
  std::mutex mutex_;
  std::condition_variable answered_;
  std::atomic<size_t> outstanding_{0};  // decremented under mutex_ (wait() may then end the group)
  std::vector<Failure> failures_;
};

// Splits "h1:9042,h2" into contact points; an empty entry or a bad port is a config error
// (the message names the entry, not the option: callers prefix it).
Result<std::vector<std::string>> parse_hosts(std::string_view text);

}  // namespace kascade::cql
