// sources/randomuser/randomuser_source.cc: paging, positions, and dead-lettering of malformed pages.
#include "sources/randomuser/randomuser_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/timestamp.h"
#include "sources/malformed_body.h"

namespace kascade {
namespace {

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out += c;
    } else {
      fmt::format_to(std::back_inserter(out), "%{:02X}", byte);
    }
  }
  return out;
}

bool parse_u64(std::string_view text, uint64_t& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

RandomUserSource::RandomUserSource(RandomUserSourceOptions options)
    : options_(std::move(options)), fetcher_(options_.fetch) {
  options_.results_per_page = std::clamp<uint32_t>(options_.results_per_page, 1, 5000);
}

std::string RandomUserSource::page_url(uint64_t page) const {
  std::string url = options_.url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += fmt::format("results={}&page={}&seed={}", options_.results_per_page, page, url_encode(options_.seed));
  if (!options_.nat.empty()) url += "&nat=" + url_encode(options_.nat);
  if (!options_.inc.empty()) url += "&inc=" + url_encode(options_.inc);
  if (!options_.exc.empty()) url += "&exc=" + url_encode(options_.exc);
  return url;
}

std::string RandomUserSource::position() const { return fmt::format("{}/{}", next_index_, options_.results_per_page); }

Status RandomUserSource::resume(const std::optional<std::string>& position) {
  buffer_.clear();
  buffered_page_ = 0;
  if (!position) {
    next_index_ = 0;
    return ok_status();
  }
  const std::string_view text = *position;
  const size_t slash = text.find('/');
  uint64_t index = 0, per_page = 0;
  if (slash == std::string_view::npos || !parse_u64(text.substr(0, slash), index) ||
      !parse_u64(text.substr(slash + 1), per_page)) {
    return Error::make(Errc::corrupt, fmt::format("randomuser source '{}': position '{}' is not "
                                                  "'<next user index>/<results per page>'",
                                                  options_.name, text));
  }
  if (per_page != options_.results_per_page) {
    // Pages of another size hold other users: resuming would skip or repeat some.
    return Error::make(Errc::config,
                       fmt::format("randomuser source '{}': source.randomuser.results_per_page is {} but the "
                                   "checkpoint was written with {}; keep it, or use a new source.name",
                                   options_.name, options_.results_per_page, per_page));
  }
  next_index_ = index;
  return ok_status();
}

SourceBatch RandomUserSource::take_buffered(size_t max_records) {
  const uint64_t per_page = options_.results_per_page;
  const uint64_t page_start = (buffered_page_ - 1) * per_page;
  const uint64_t bound = options_.max_records.value_or(UINT64_MAX);
  const uint64_t available_end = page_start + buffer_.size();
  const uint64_t end = std::max(next_index_, std::min({available_end, next_index_ + max_records, bound}));

  SourceBatch batch;
  batch.records.reserve(end - next_index_);
  const std::string fetched_at = std::to_string(buffered_fetched_at_);
  const std::string page = std::to_string(buffered_page_);
  for (uint64_t index = next_index_; index < end; ++index) {
    RawUser& user = buffer_[index - page_start];
    batch.records.push_back(Record{
        .key = std::move(user.key),
        .value = std::move(user.json),
        .headers = {{"source", options_.name}, {"fetched_at", fetched_at}, {"seed", options_.seed}, {"page", page}},
        .timestamp_ms = buffered_fetched_at_});
  }
  next_index_ = end;
  if (next_index_ >= available_end) {
    buffer_.clear();
    buffered_page_ = 0;
  }
  batch.position = position();
  batch.exhausted = next_index_ >= bound;
  return batch;
}

SourceBatch RandomUserSource::malformed_page_batch(uint64_t page, const std::string& body, const std::string& reason,
                                                   int64_t fetched_at) {
  SourceBatch batch;
  batch.records.push_back(malformed_body_record(fmt::format("{}/page/{}", options_.seed, page), body,
                                                fmt::format("page {}", page), reason, options_.name, fetched_at,
                                                {{"seed", options_.seed}, {"page", std::to_string(page)}}));
  batch.position = position();  // unchanged: the page is fetched again
  return batch;
}

Result<SourceBatch> RandomUserSource::next_batch(size_t max_records) {
  const uint64_t bound = options_.max_records.value_or(UINT64_MAX);
  if (next_index_ >= bound) return SourceBatch{.records = {}, .position = position(), .exhausted = true};
  if (buffered_page_ != 0) return take_buffered(max_records);

  const uint64_t page = next_index_ / options_.results_per_page + 1;
  auto response = fetcher_.fetch(page_url(page));
  if (!response) {
    return Error::make(response.error().code,
                       fmt::format("randomuser source '{}': {}", options_.name, response.error().message));
  }
  if (!response->has_value()) return SourceBatch{.records = {}, .position = position(), .exhausted = false};

  const int64_t fetched_at = now_ms();
  std::string& body = (*response)->body;
  auto users = parser_.parse(body);
  if (users && users->size() != options_.results_per_page) {
    // The API always fills a page; a short one would silently skip users.
    users = Error::make(Errc::corrupt,
                        fmt::format("{} results where {} were asked for", users->size(), options_.results_per_page));
  }
  if (!users) {
    fetcher_.reject_response(users.error().message);
    return malformed_page_batch(page, body, users.error().message, fetched_at);
  }
  buffer_ = std::move(*users);
  buffered_page_ = page;
  buffered_fetched_at_ = fetched_at;
  return take_buffered(max_records);
}

}  // namespace kascade
