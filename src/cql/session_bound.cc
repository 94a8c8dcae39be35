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
  return send_frame(statement, std::string(scratch),
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
  std::unique_lock lock(flight_mutex_);
  if (in_flight_ >= max) {
    // The answers to wait for may be of requests still queued (deferred): write them first.
    lock.unlock();
    flush();
    lock.lock();
    ++waiting_for_room_;
    flight_changed_.wait(lock, [&] { return in_flight_ < max; });
    --waiting_for_room_;
  }
  ++in_flight_;
}

void Session::release() {
  std::lock_guard lock(flight_mutex_);
  --in_flight_;
  if (waiting_for_room_ > 0) flight_changed_.notify_all();
}

int Session::in_flight() const {
  std::lock_guard lock(flight_mutex_);
  return in_flight_;
}

Status RequestGroup::execute(const std::shared_ptr<const PreparedStatement>& statement, const BoundValues& values,
                             const ExecuteOptions& options, uint64_t tag) {
  {
    std::lock_guard lock(mutex_);
    ++outstanding_;
  }
  auto done = [this, tag](Result<ResultMessage> result) {
    std::lock_guard lock(mutex_);
    if (!result) failures_.push_back({tag, std::move(result.error())});
    if (--outstanding_ == 0) answered_.notify_all();
  };
  auto sent = session_.execute_async(statement, values, options, done);
  if (!sent) {
    std::lock_guard lock(mutex_);
    --outstanding_;
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
