// cql/request_group.cc: a caller's requests, their answers and failures.
#include "cql/request_group.h"

namespace kascade::cql {

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
