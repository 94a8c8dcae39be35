// cql/session_bound.cc: the session's typed API (bound statements, batches, request groups) and its in-flight bound.
#include <algorithm>

#include "cql/session.h"

namespace kascade::cql {

Status Session::execute_async(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                              const ExecuteOptions& options, ExecuteCallback done) {
  // Built in a buffer kept per thread, then copied at its size into the request: one allocation a request.
  thread_local std::string scratch;
  auto token = bind_execute(*statement, values, options, scratch);
  if (!token) return token.error();
  return send_frame(
      statement, std::string(scratch),
      RequestOptions{.idempotent = options.idempotent, .token = *token, .defer_write = options.defer_write},
      std::move(done));
}

Result<ResultMessage> Session::execute(const std::shared_ptr<const PreparedStatement>& statement,
                                       const BoundValues& values, const ExecuteOptions& options) {
  std::string frame;
  auto token = bind_execute(*statement, values, options, frame);
  if (!token) return token.error();
  return call_frame(statement, std::move(frame), RequestOptions{.idempotent = options.idempotent, .token = *token});
}

Result<ResultMessage> Session::execute(const Batch& batch, const ExecuteOptions& options) {
  if (batch.size() == 0) return Error::make(Errc::internal, "an empty CQL batch");
  return call_frame(batch.statements()[0], batch.frame(version_, options),
                    RequestOptions{.idempotent = options.idempotent, .token = batch.token()}, batch.statements());
}

void Session::admit(bool /*deferred*/) {
  const int max = std::max(1, options_.max_in_flight);
  const auto take = [&] {
    int n = in_flight_.load();
    while (n < max) {
      if (in_flight_.compare_exchange_weak(n, n + 1)) return true;
    }
    return false;
  };
  if (take()) return;
  // The answers to wait for may be of requests still queued (deferred): write them first.
  flush();
  std::unique_lock lock(flight_mutex_);
  ++waiting_for_room_;
  flight_changed_.wait(lock, take);
  --waiting_for_room_;
}

void Session::release() {
  --in_flight_;
  // A waiter counts itself under the lock before it looks: taking the lock here means it is waiting, or will see room.
  if (waiting_for_room_.load() > 0) {
    std::lock_guard lock(flight_mutex_);
    flight_changed_.notify_all();
  }
}

int Session::in_flight() const { return in_flight_.load(); }

Status RequestGroup::execute(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                             const ExecuteOptions& options, uint64_t tag) {
  ++outstanding_;
  auto done = [this, tag](const Result<ResultMessage>& result) {
    std::lock_guard lock(mutex_);
    if (!result) failures_.push_back({tag, result.error()});
    if (--outstanding_ == 0) answered_.notify_all();
  };
  auto sent = session_.execute_async(statement, values, options, done);
  if (!sent) {
    std::lock_guard lock(mutex_);
    --outstanding_;  // done did not run: nobody else is counted for it
  }
  return sent;
}

void RequestGroup::wait() {
  session_.flush();
  std::unique_lock lock(mutex_);
  answered_.wait(lock, [&] { return outstanding_ == 0; });
}

std::vector<RequestGroup::Failure> RequestGroup::take_failures() {
  std::lock_guard lock(mutex_);
  std::vector<Failure> out;
  out.swap(failures_);
  return out;
}

}  // namespace kascade::cql
