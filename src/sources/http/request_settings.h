// sources/http/request_settings.h: the small syntaxes of the http source's options (headers, origins, URL template).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sources/http/page_state.h"

namespace kascade {

// source.http.headers: "Name: value; Name: value" -> "Name: value" lines
// (blank entries ignored). Errc::config for an entry without ':', a name that
// is not an HTTP token, or a value holding CR or LF. Values may be secrets:
// an error names the entry's number and at most its header name.
Result<std::vector<std::string>> parse_header_list(std::string_view text);

// source.http.allowed_origins: "https://host:port, ..." -> the items as given
// (blank entries ignored). Errc::config for an item that is not an origin.
Result<std::vector<std::string>> parse_origin_list(std::string_view text);

// source.http.url with its pagination: the template needs the pagination's
// placeholder ({page}, {offset}, {cursor}) and must be an http(s) URL.
Status check_url_template(std::string_view url_template, Pagination pagination);

}  // namespace kascade
