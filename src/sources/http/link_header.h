// sources/http/link_header.h: the rel="next" target of an RFC 8288 Link header.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kascade {

// `<https://api/x?page=2>; rel="next", <...>; rel="last"` -> "https://api/x?page=2".
// rel may be quoted or not and hold several relation types ("next last").
// A relative target is resolved against `request_url` (absolute path or
// same-directory reference). nullopt when no link has rel next.
std::optional<std::string> next_link(std::string_view header, std::string_view request_url);

}  // namespace kascade
