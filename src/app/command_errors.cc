// app/command_errors.cc: how every command reports a failure, and its exit code.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "app/commands.h"

namespace kascade {

int report_failure(const char* command, const Error& error) {
  fmt::print(stderr, "kascade {}: {}\n", command, error.message);
  return error.code == Errc::config ? kExitUsage : kExitFailure;
}

Error usage_error(std::string message) { return Error::make(Errc::config, std::move(message)); }

Error usage_error(const Error& error) { return usage_error(error.message); }

void install_failure_handlers() {
  // An exception nothing caught (e.g. a failed write of fmt::print) is a runtime failure.
  std::set_terminate([] {
    std::string what = "unexpected failure";
    try {
      if (auto current = std::current_exception()) std::rethrow_exception(current);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "kascade: %s\n", what.c_str());
    std::_Exit(kExitFailure);
  });
  // Output that could not be written (a full disk, a closed pipe) fails the command.
  std::atexit([] {
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      std::fprintf(stderr, "kascade: cannot write the output: %s\n", errno != 0 ? std::strerror(errno) : "write error");
      std::_Exit(kExitFailure);
    }
  });
}

}  // namespace kascade
