// sources/http/http_source.cc: requests, page boundaries and positions of the http source.
#include "sources/http/http_source.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/timestamp.h"
#include "sources/http/link_header.h"
#include "sources/malformed_body.h"

namespace kascade {

HttpSource::HttpSource(HttpSourceOptions options)
    : options_(std::move(options)), fetcher_(options_.fetch), parser_(options_.layout) {
  state_.page = options_.first_page;
  auto origin = url_origin(request_url(options_.url_template, options_.pagination, state_));
  if (origin) home_origin_ = std::move(*origin);
  for (std::string& allowed : options_.allowed_origins) {
    if (auto normal = url_origin(allowed)) allowed = std::move(*normal);
  }
}

Status HttpSource::check_origin(const std::string& url) const {
  auto origin = url_origin(url);
  if (!origin)
    return Error::make(Errc::invalid_argument,
                       fmt::format("http source '{}': {}", options_.name, origin.error().message));
  if (*origin == home_origin_) return ok_status();
  if (std::find(options_.allowed_origins.begin(), options_.allowed_origins.end(), *origin) !=
      options_.allowed_origins.end()) {
    return ok_status();
  }
  return Error::make(Errc::unavailable,
                     fmt::format("http source '{}': refused to follow {}: its origin {} is not source.http.url's ({}); "
                                 "list it in source.http.allowed_origins to follow it (it gets no credentials or "
                                 "configured headers)",
                                 options_.name, url, *origin, home_origin_));
}

Status HttpSource::resume(const std::optional<std::string>& position) {
  buffered_ = false;
  buffer_.clear();
  state_ = PageState{.page = options_.first_page};
  if (!position) return ok_status();
  auto state = parse_position(*position, options_.pagination);
  if (!state) {
    return Error::make(state.error().code, fmt::format("http source '{}': {}", options_.name, state.error().message));
  }
  state_ = std::move(*state);
  return ok_status();
}

PageState HttpSource::after_buffered_page() const {
  PageState next = state_;
  next.skip = 0;
  switch (options_.pagination) {
    case Pagination::none:
      next.done = true;
      break;
    case Pagination::page:
      next.page += 1;
      next.done = buffer_.empty();
      break;
    case Pagination::offset:
      next.offset += buffer_.size();
      next.done = buffer_.empty();
      break;
    case Pagination::cursor:
      next.done = !buffered_next_;
      next.cursor = buffered_next_.value_or("");
      break;
    case Pagination::link:
      next.done = !buffered_next_;
      next.next_url = buffered_next_.value_or("");
      break;
  }
  return next;
}

SourceBatch HttpSource::take_buffered(size_t max_records) {
  const uint64_t bound = options_.max_records.value_or(UINT64_MAX);
  const uint64_t room = bound > state_.emitted ? bound - state_.emitted : 0;
  const uint64_t first = state_.skip;
  const uint64_t end = std::min<uint64_t>({buffer_.size(), first + max_records, first + room});

  SourceBatch batch;
  batch.records.reserve(end - first);
  const std::string fetched_at = std::to_string(buffered_fetched_at_);
  for (uint64_t i = first; i < end; ++i) {
    batch.records.push_back(Record{.key = std::move(buffer_[i].key),
                                   .value = std::move(buffer_[i].json),
                                   .headers = {{"source", options_.name}, {"fetched_at", fetched_at}},
                                   .timestamp_ms = buffered_fetched_at_});
  }
  state_.emitted += end - first;
  state_.skip = end;
  if (end >= buffer_.size()) {
    state_ = after_buffered_page();
    buffered_ = false;
    buffer_.clear();
  }
  batch.position = position();
  batch.exhausted = state_.done || state_.emitted >= bound;
  return batch;
}

SourceBatch HttpSource::malformed_page_batch(const std::string& url, const std::string& body, const std::string& reason,
                                             int64_t fetched_at) {
  // The request URL holds no credentials (they travel in headers), so it may be named.
  SourceBatch batch;
  batch.records.push_back(malformed_body_record(url, body, url, reason, options_.name, fetched_at));
  batch.position = position();  // unchanged: the request is made again
  return batch;
}

Result<SourceBatch> HttpSource::next_batch(size_t max_records) {
  const uint64_t bound = options_.max_records.value_or(UINT64_MAX);
  if (state_.done || state_.emitted >= bound)
    return SourceBatch{.records = {}, .position = position(), .exhausted = true};
  if (buffered_) return take_buffered(max_records);

  const std::string url = request_url(options_.url_template, options_.pagination, state_);
  if (auto allowed = check_origin(url); !allowed) return allowed.error();
  const auto origin = url_origin(url);
  const bool home = origin && *origin == home_origin_;
  // Credentials and configured headers go to the configured origin only.
  static const std::vector<std::string> kNoHeaders;
  auto response = fetcher_.fetch(url, home ? options_.headers : kNoHeaders);
  if (!response) {
    return Error::make(response.error().code,
                       fmt::format("http source '{}': {}", options_.name, response.error().message));
  }
  if (!response->has_value()) return SourceBatch{.records = {}, .position = position(), .exhausted = false};

  const int64_t fetched_at = now_ms();
  std::string& body = (*response)->body;
  auto page = parser_.parse(body);
  if (page && state_.skip > page->records.size()) {
    // The bus has more of this page than the API now returns: it changed under us.
    page = Error::make(Errc::corrupt, fmt::format("{} records where the checkpoint says {} were already taken",
                                                  page->records.size(), state_.skip));
  }
  if (!page && page.error().code == Errc::not_found && at_first_page()) {
    // A pointer that matches nothing in the first page is a wrong pointer, not the end of the data.
    return Error::make(Errc::not_found, fmt::format("http source '{}': source.http.records_pointer '{}' matches "
                                                    "nothing in the first page of {}",
                                                    options_.name, options_.layout.records_pointer, url));
  }
  if (page && options_.pagination == Pagination::cursor && !page->cursor_present && at_first_page()) {
    return Error::make(Errc::not_found, fmt::format("http source '{}': source.http.cursor_pointer '{}' matches "
                                                    "nothing in the first page of {}",
                                                    options_.name, options_.layout.cursor_pointer, url));
  }
  if (!page) {
    fetcher_.reject_response(page.error().message);
    return malformed_page_batch(url, body, page.error().message, fetched_at);
  }
  buffer_ = std::move(page->records);
  buffered_fetched_at_ = fetched_at;
  buffered_next_.reset();
  if (options_.pagination == Pagination::cursor) {
    buffered_next_ = std::move(page->next_cursor);
  } else if (options_.pagination == Pagination::link) {
    if (auto link = (*response)->header("Link")) buffered_next_ = next_link(*link, url);
  }
  buffered_ = true;
  return take_buffered(max_records);
}

}  // namespace kascade
