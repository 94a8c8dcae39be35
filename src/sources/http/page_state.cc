// sources/http/page_state.cc: positions of the http source (text form) and request URLs.
#include "sources/http/page_state.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace kascade {
namespace {

constexpr std::string_view kPaginationNames[] = {"none", "page", "offset", "cursor", "link"};

std::string_view name_of(Pagination pagination) { return kPaginationNames[static_cast<int>(pagination)]; }

bool parse_u64(std::string_view text, uint64_t& value) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

std::string url_encode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      fmt::format_to(std::back_inserter(out), "%{:02X}", byte);
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view placeholder, std::string_view value) {
  for (size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
}

// Splits off the text before the next space.
std::string_view take_word(std::string_view& text) {
  const size_t space = text.find(' ');
  const std::string_view word = text.substr(0, space);
  text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  return word;
}

}  // namespace

Result<Pagination> parse_pagination(std::string_view name) {
  for (size_t i = 0; i < std::size(kPaginationNames); ++i) {
    if (name == kPaginationNames[i]) return static_cast<Pagination>(i);
  }
  return Error::make(Errc::config, fmt::format("unknown pagination '{}' (none, page, offset, cursor, link)", name));
}

std::string format_position(const PageState& state, Pagination pagination) {
  std::string value;
  switch (pagination) {
    case Pagination::none:
      break;
    case Pagination::page:
      value = std::to_string(state.page);
      break;
    case Pagination::offset:
      value = std::to_string(state.offset);
      break;
    case Pagination::cursor:
      value = state.cursor;
      break;
    case Pagination::link:
      value = state.next_url;
      break;
  }
  const std::string_view kind = state.done ? "done" : name_of(pagination);
  return fmt::format("{} {} {} {}", state.emitted, state.skip, kind, state.done ? "" : value);
}

Result<PageState> parse_position(std::string_view text, Pagination pagination) {
  const std::string original(text);
  auto corrupt = [&] {
    return Error::make(Errc::corrupt, fmt::format("position '{}' is not '<emitted> <skip> <kind> <value>'", original));
  };
  PageState state;
  if (!parse_u64(take_word(text), state.emitted) || !parse_u64(take_word(text), state.skip)) return corrupt();
  const std::string_view kind = take_word(text);
  if (kind == "done") {
    state.done = true;
    return state;
  }
  if (kind != name_of(pagination)) {
    if (!parse_pagination(kind)) return corrupt();
    return Error::make(Errc::config, fmt::format("the checkpoint was written with pagination '{}', the config says "
                                                 "'{}'; keep it, or use a new source.name",
                                                 kind, name_of(pagination)));
  }
  switch (pagination) {
    case Pagination::none:
      break;
    case Pagination::page:
      if (!parse_u64(text, state.page)) return corrupt();
      break;
    case Pagination::offset:
      if (!parse_u64(text, state.offset)) return corrupt();
      break;
    case Pagination::cursor:
      state.cursor = std::string(text);
      break;
    case Pagination::link:
      state.next_url = std::string(text);
      break;
  }
  return state;
}

std::string request_url(const std::string& url_template, Pagination pagination, const PageState& state) {
  if (pagination == Pagination::link && !state.next_url.empty()) return state.next_url;
  std::string url = url_template;
  replace_all(url, "{page}", std::to_string(state.page));
  replace_all(url, "{offset}", std::to_string(state.offset));
  replace_all(url, "{cursor}", url_encode(state.cursor));
  return url;
}

}  // namespace kascade
