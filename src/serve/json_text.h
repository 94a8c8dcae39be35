// serve/json_text.h: pieces of JSON text shared by the push body parser: \u escapes, UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kascade::json_text {

// The 4 hex digits at text[at..]; -1 if there are not 4.
int hex4(std::string_view text, size_t at);

// The text of a JSON string already checked (without its quotes), escapes decoded to UTF-8, appended to `out`.
void unescape(std::string_view raw, std::string& out);

// Length of the well-formed UTF-8 sequence at text[pos] (RFC 3629: no overlong forms, no surrogates,
// nothing beyond U+10FFFF), or 0.
size_t utf8_length(std::string_view text, size_t pos);

}  // namespace kascade::json_text
