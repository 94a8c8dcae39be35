// core/result.cc: names of error codes, for messages and metrics.
#include "core/result.h"

namespace kascade {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::ok:
      return "ok";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::config:
      return "config";
    case Errc::io:
      return "io";
    case Errc::corrupt:
      return "corrupt";
    case Errc::not_found:
      return "not_found";
    case Errc::too_large:
      return "too_large";
    case Errc::timeout:
      return "timeout";
    case Errc::unavailable:
      return "unavailable";
    case Errc::closed:
      return "closed";
    case Errc::internal:
      return "internal";
    case Errc::unsupported_format:
      return "unsupported_format";
  }
  return "unknown";
}

}  // namespace kascade
