// sources/http/http_source.h: records from any paginated JSON API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sources/http/json_page.h"
#include "sources/http/page_state.h"
#include "sources/http_client/retrying_fetcher.h"
#include "sources/source.h"

namespace kascade {

struct HttpSourceOptions {
  std::string name = "http";
  std::string url_template;  // {page}, {offset}, {cursor} are replaced per request
  Pagination pagination = Pagination::none;
  uint64_t first_page = 1;  // Pagination::page: the number of the first page
  JsonPageLayout layout;
  // Request headers "Name: value", credentials included. Never logged or put in errors.
  std::vector<std::string> headers;
  std::optional<uint64_t> max_records;  // stop after that many records in total (nullopt: to the last page)
  // Origins ("http://host:port") besides the URL's own that requests may go
  // to (a Link next on another host). The headers go only to the URL's own origin.
  std::vector<std::string> allowed_origins;
  FetchPolicy fetch;
};

// Fetches page after page, emits one record per element of the records array
// (key from key_pointer, value the element's bytes, headers source and
// fetched_at), and stops after the last page: an empty page (page, offset),
// no next cursor (cursor), no Link rel="next" (link), or the one request
// (none). The position (page_state.h) names the next request and how many of
// its records the bus already has, so a restart makes that request again and
// skips them: nothing twice, nothing lost, provided the API answers a request
// the same way twice. A malformed body becomes one record with a
// kascade-error header (dead-lettered downstream) and is fetched again after
// a backoff. Used by one source thread.
class HttpSource final : public Source {
 public:
  explicit HttpSource(HttpSourceOptions options);

  std::string_view name() const override { return options_.name; }
  Status resume(const std::optional<std::string>& position) override;
  Result<SourceBatch> next_batch(size_t max_records) override;

  std::optional<SourceHealth> health() const override { return fetcher_.health(); }
  const FetchStats& fetch_stats() const { return fetcher_.stats(); }

 private:
  SourceBatch take_buffered(size_t max_records);
  SourceBatch malformed_page_batch(const std::string& url, const std::string& body, const std::string& reason,
                                   int64_t fetched_at);
  // The state after the buffered page is taken whole.
  PageState after_buffered_page() const;
  std::string position() const { return format_position(state_, options_.pagination); }
  // Refuses a request to an origin neither the URL's nor allowed.
  Status check_origin(const std::string& url) const;
  bool at_first_page() const { return state_.emitted == 0 && state_.skip == 0; }

  HttpSourceOptions options_;
  RetryingFetcher fetcher_;
  std::string home_origin_;  // the origin of the first request's URL
  JsonPageParser parser_;
  PageState state_;
  // The page being handed out: its records and what comes after it.
  bool buffered_ = false;
  std::vector<JsonRecord> buffer_;
  int64_t buffered_fetched_at_ = 0;
  std::optional<std::string> buffered_next_;  // next cursor or next link
};

}  // namespace kascade
