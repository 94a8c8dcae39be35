// cql/request_group.h: requests sent together and awaited together (one sink write).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "cql/binding.h"
#include "cql/session.h"

namespace kascade::cql {

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
  size_t outstanding_ = 0;
  std::vector<Failure> failures_;
};

}  // namespace kascade::cql
