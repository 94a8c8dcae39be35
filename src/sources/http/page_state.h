// sources/http/page_state.h: where the http source is in a paginated API, and how it is written down.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kascade {

// How a JSON API hands out its pages.
enum class Pagination { none, page, offset, cursor, link };

// "none", "page", ... -> Pagination; Errc::config for anything else.
Result<Pagination> parse_pagination(std::string_view name);

// The request the source makes next, plus how many of its records the bus
// already has (a page can be split over several appends).
struct PageState {
  bool done = false;     // the API has no page after the last one taken
  uint64_t emitted = 0;  // records handed to the bus in total
  uint64_t skip = 0;     // records of the next page the bus already has
  uint64_t page = 1;     // Pagination::page
  uint64_t offset = 0;   // Pagination::offset
  std::string cursor;    // Pagination::cursor ("" = the first page)
  std::string next_url;  // Pagination::link ("" = the URL template itself)

  bool operator==(const PageState&) const = default;
};

// The position string stored on the bus: "<emitted> <skip> <kind> <value>"
// (kind page|offset|cursor|link|done|none; the value runs to the end, so a
// cursor or URL may hold any byte but a newline).
std::string format_position(const PageState& state, Pagination pagination);
// Errc::corrupt for a string format_position cannot have written, Errc::config
// when it was written for another pagination.
Result<PageState> parse_position(std::string_view text, Pagination pagination);

// The URL of the request for `state`: {page}, {offset} and {cursor} in the
// template replaced (the cursor URL-encoded); for Pagination::link, the
// server's next URL once there is one.
std::string request_url(const std::string& url_template, Pagination pagination, const PageState& state);

}  // namespace kascade
