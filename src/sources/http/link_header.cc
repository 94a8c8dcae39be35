// sources/http/link_header.cc: a small Link header reader (only what pagination needs).
#include "sources/http/link_header.h"

#include "core/text.h"

namespace kascade {
namespace {

// True when a rel value ("next", "\"next last\"") names the next relation.
bool rel_has_next(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  while (!value.empty()) {
    const size_t space = value.find(' ');
    if (iequals(value.substr(0, space), "next")) return true;
    if (space == std::string_view::npos) break;
    value = trim(value.substr(space + 1));
  }
  return false;
}

std::string resolve(std::string_view target, std::string_view base) {
  if (target.find("://") != std::string_view::npos) return std::string(target);
  const size_t scheme = base.find("://");
  const size_t authority_end = scheme == std::string_view::npos ? 0 : base.find('/', scheme + 3);
  const std::string_view origin = base.substr(0, authority_end);
  if (!target.empty() && target.front() == '/') return std::string(origin) + std::string(target);
  // Relative to the request's directory (its query cut off).
  const std::string_view path = base.substr(0, base.find('?'));
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash < origin.size()) return std::string(origin) + "/" + std::string(target);
  return std::string(path.substr(0, slash + 1)) + std::string(target);
}

}  // namespace

std::optional<std::string> next_link(std::string_view header, std::string_view request_url) {
  size_t at = 0;
  while (at < header.size()) {
    const size_t open = header.find('<', at);
    if (open == std::string_view::npos) return std::nullopt;
    const size_t close = header.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view target = header.substr(open + 1, close - open - 1);
    // Parameters run to the next link, which starts after a comma outside quotes.
    size_t end = close + 1;
    bool quoted = false;
    for (; end < header.size(); ++end) {
      if (header[end] == '"') quoted = !quoted;
      if (header[end] == ',' && !quoted) break;
    }
    std::string_view params = header.substr(close + 1, end - close - 1);
    while (!params.empty()) {
      const size_t semicolon = params.find(';');
      const std::string_view param = trim(params.substr(0, semicolon));
      const size_t equals = param.find('=');
      if (equals != std::string_view::npos && iequals(trim(param.substr(0, equals)), "rel") &&
          rel_has_next(param.substr(equals + 1))) {
        return resolve(trim(target), request_url);
      }
      if (semicolon == std::string_view::npos) break;
      params = params.substr(semicolon + 1);
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace kascade
