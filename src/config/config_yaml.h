// config/config_yaml.h: a config file's YAML read strictly (one document, no key twice); long values cut in messages.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace kascade {

// How much of a value (or key) a config error message shows.
inline constexpr size_t kMessageValueLimit = 200;

// `text` as a config error message shows it: whole when short, else its first
// `limit` bytes (never half a UTF-8 character) and "... (N bytes)".
std::string cut_for_message(std::string_view text, size_t limit = kMessageValueLimit);

// The one YAML document of a config file. Errc::config errors, each naming
// `origin`, line and column: invalid YAML; a second document (a later `---`),
// which a node parser would silently ignore; a key given twice in one mapping
// (its path, and where it was first), which a node parser would silently
// collapse. A file with no document (empty, or only comments) is a null node:
// the defaults. An empty document is an empty config only when it is the only one.
Result<YAML::Node> parse_config_yaml(const std::string& text, const std::string& origin);

}  // namespace kascade
