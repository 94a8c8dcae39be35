// sources/randomuser/randomuser_source.h: users from the randomuser.me API (or any server speaking it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/http_client/retrying_fetcher.h"
#include "sources/randomuser/randomuser_page.h"
#include "sources/source.h"

namespace kascade {

struct RandomUserSourceOptions {
  std::string name = "randomuser";
  std::string url = "https://randomuser.me/api/";
  std::string seed = "kascade";         // fixed: the same seed and page give the same users, so pages can be resumed
  uint32_t results_per_page = 5000;     // the API's maximum
  std::string nat;                      // e.g. "us,gb" (empty: all)
  std::string inc;                      // fields to include (empty: all)
  std::string exc;                      // fields to exclude
  std::optional<uint64_t> max_records;  // stop after that many users in total (nullopt: endless)
  FetchPolicy fetch;
};

// Pages through `seed` with results=N&page=P and emits one record per user
// (key login.uuid, value the user bytes, headers source/fetched_at/seed/page).
// User i of the sequence is user i % N of page i / N + 1, so the position is
// "<next user index>/<N>": a restart refetches the page it stopped in and
// skips what the bus already has. A malformed body becomes one record with a
// kascade-error header (dead-lettered downstream) and the page is fetched
// again after a backoff, so no user is lost. Used by one source thread.
class RandomUserSource final : public Source {
 public:
  explicit RandomUserSource(RandomUserSourceOptions options);

  std::string_view name() const override { return options_.name; }
  Status resume(const std::optional<std::string>& position) override;
  Result<SourceBatch> next_batch(size_t max_records) override;

  std::optional<SourceHealth> health() const override { return fetcher_.health(); }
  const FetchStats& fetch_stats() const { return fetcher_.stats(); }
  // The URL of page `page` (1-based).
  std::string page_url(uint64_t page) const;

 private:
  SourceBatch take_buffered(size_t max_records);
  SourceBatch malformed_page_batch(uint64_t page, const std::string& body, const std::string& reason,
                                   int64_t fetched_at);
  std::string position() const;

  RandomUserSourceOptions options_;
  RetryingFetcher fetcher_;
  RandomUserPageParser parser_;
  uint64_t next_index_ = 0;     // the next user the bus does not have
  uint64_t buffered_page_ = 0;  // page whose users are in buffer_ (0: none)
  std::vector<RawUser> buffer_;
  int64_t buffered_fetched_at_ = 0;
};

}  // namespace kascade
