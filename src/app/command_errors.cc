// app/command_errors.cc: how every command reports a failure, and its exit code.
#include <cstdio>

#include <fmt/format.h>

#include "app/commands.h"

namespace kascade {

int report_failure(const char* command, const Error& error) {
  fmt::print(stderr, "kascade {}: {}\n", command, error.message);
  return error.code == Errc::config || error.code == Errc::invalid_argument ? kExitUsage : kExitFailure;
}

}  // namespace kascade
