// core/log.h: the operator's log: leveled events of running components, as text or JSON lines, on stderr.
//
// A thin interface every module may use; the writer behind it (spdlog, in log.cc) is not seen here.
// Each event has a level, a component ("cql", "kafka", "processor", ...), a message and fields.
// Command results printed for the user (tables, summaries) do not go through it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace kascade::logging {

enum class Level : uint8_t { trace, debug, info, warn, error };
enum class Format : uint8_t { text, json };

// "trace" .. "error"
std::string_view level_name(Level level);

// One field of an event: a key and a text, integer, real or bool value.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Field(std::string_view k, T v)
      : key(k), value(std::is_signed_v<T> ? Value(static_cast<int64_t>(v)) : Value(static_cast<uint64_t>(v))) {}

  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  std::string_view key;
  Value value;
};
using Fields = std::initializer_list<Field>;

struct Settings {
  Level level = Level::info;
  Format format = Format::text;
  // While a failure lasts (Outage), at most one line per this interval.
  std::chrono::milliseconds repeat_interval{10000};
};

// Set once at a command's start (before its threads); read by every event.
void configure(const Settings& settings);
Settings settings();
bool enabled(Level level);

// One line, without the newline: text ("<time> <LEVEL> <component>: <message> key=value ...", values with
// spaces or quotes quoted) or one JSON object (time, level, component, message, then each field as a key).
std::string format_line(Format format, int64_t epoch_ms, Level level, std::string_view component,
                        std::string_view message, std::span<const Field> fields);
inline std::string format_line(Format format, int64_t epoch_ms, Level level, std::string_view component,
                               std::string_view message, Fields fields) {
  return format_line(format, epoch_ms, level, component, message, std::span(fields.begin(), fields.size()));
}

// Writes one event on stderr if its level is enabled. Thread-safe; lines never interleave.
void write(Level level, std::string_view component, std::string_view message, std::span<const Field> fields);
inline void write(Level level, std::string_view component, std::string_view message, Fields fields = {}) {
  write(level, component, message, std::span(fields.begin(), fields.size()));
}
inline void debug(std::string_view c, std::string_view m, Fields f = {}) { write(Level::debug, c, m, f); }
inline void info(std::string_view c, std::string_view m, Fields f = {}) { write(Level::info, c, m, f); }
inline void warn(std::string_view c, std::string_view m, Fields f = {}) { write(Level::warn, c, m, f); }
inline void error(std::string_view c, std::string_view m, Fields f = {}) { write(Level::error, c, m, f); }

// Tests: every written line goes to `capture` instead of stderr (null: stderr again).
void capture_lines(std::function<void(std::string_view line)> capture);

// One failure that may last (a node, a broker, a sink): the first failure is one warning, while it
// lasts at most one line per repeat interval, and the first success after it one line naming how
// long it was down. Thread-safe.
class Outage {
 public:
  using Clock = std::chrono::steady_clock;
  // subject: what fails, as a message begins ("Cassandra node 127.0.0.3:9042").
  // field: the key and value naming it in the event (e.g. "node", "127.0.0.3:9042").
  Outage(std::string component, std::string subject, std::string field_key = {}, std::string field_value = {});

  // A failed attempt, with its cause; `retry` says what happens next ("retrying every 250 ms").
  void failed(std::string_view cause, std::string_view retry = "retrying");
  // A success: ends the outage, if any (one line).
  void succeeded();
  bool down() const;

  // For tests: the clock the outage reads.
  void set_clock(std::function<Clock::time_point()> now) { now_ = std::move(now); }

 private:
  std::string component_, subject_, field_key_, field_value_;
  std::function<Clock::time_point()> now_ = [] { return Clock::now(); };
  mutable std::mutex mutex_;
  std::atomic<bool> down_{false};  // read without the lock by succeeded() (the common case: not down)
  Clock::time_point since_{}, last_line_{};
  uint64_t failures_ = 0, unreported_ = 0;
};

// At most one event per interval from one site; what is held back is counted.
class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  // True when a line may be written now; `held` is then the events held back since the last one.
  bool allow(uint64_t& held, Clock::time_point now = Clock::now());

 private:
  std::mutex mutex_;
  std::optional<Clock::time_point> last_;
  uint64_t held_ = 0;
};

}  // namespace kascade::logging
