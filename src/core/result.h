// core/result.h: expected failures as values (Status, Result<T>), never exceptions.
#pragma once

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kascade {

// What went wrong, coarse enough to decide what to do about it.
enum class Errc {
  ok = 0,
  invalid_argument,  // the caller's input is wrong; retrying will not help
  config,            // a configuration error (exit code 2)
  io,                // the operating system refused a read or write
  corrupt,           // stored data failed its checksum or could not be decoded
  not_found,
  too_large,
  timeout,
  unavailable,  // a service is down or unreachable; usually retriable
  closed,       // the component was stopped
  internal,     // a bug
  // a file or record in a format newer than this binary reads (exit code 1)
  unsupported_format,
  // (a new code goes above this line, and kErrcCount follows it)
};

// How many codes there are (arrays indexed by Errc).
inline constexpr size_t kErrcCount = static_cast<size_t>(Errc::unsupported_format) + 1;

const char* errc_name(Errc code);

// An error code, a message for humans, and whether retrying may succeed.
struct Error {
  Errc code = Errc::internal;
  std::string message;
  bool retriable = false;

  static Error make(Errc code, std::string message, bool retriable = false) {
    return Error{code, std::move(message), retriable};
  }
};

// Success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(error_);
    return *error_;
  }
  std::string message() const { return error_ ? error_->message : std::string("ok"); }

 private:
  std::optional<Error> error_;
};

inline Status ok_status() { return Status(); }

// A value of type T, or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(status.error()) {}  // NOLINT: only from a failed Status

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace kascade
