// core/log.cc: the operator's log: event formatting (text, JSON), outages, and spdlog writing stderr.
#include "core/log.h"

#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <cmath>
#include <memory>

#include "core/json_append.h"
#include "core/timestamp.h"

namespace kascade::logging {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::atomic<int64_t> g_repeat_ms{10000};

std::mutex g_capture_mutex;
std::function<void(std::string_view)> g_capture;

// The writer: spdlog's stderr sink (thread-safe, one write per line), the line formatted here.
spdlog::logger& writer() {
  // Never destroyed: threads may still log while the process exits.
  static spdlog::logger* logger = [] {
    auto* made = new spdlog::logger("kascade", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_pattern("%v");
    made->set_level(spdlog::level::trace);
    made->flush_on(spdlog::level::trace);
    return made;
  }();
  return *logger;
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (char c : text) {
    if (c == ' ' || c == '"' || c == '=' || json_append::needs_escape(c)) return true;
  }
  return false;
}

void append_value(std::string& out, Format format, const Field::Value& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string_view>) {
          if (format == Format::json || needs_quotes(v)) {
            json_append::append_string(out, v);
          } else {
            out.append(v);
          }
        } else if constexpr (std::is_same_v<V, int64_t>) {
          json_append::append_int(out, v);
        } else if constexpr (std::is_same_v<V, uint64_t>) {
          json_append::append_uint(out, v);
        } else if constexpr (std::is_same_v<V, bool>) {
          out.append(v ? "true" : "false");
        } else if (std::isfinite(v)) {
          fmt::format_to(std::back_inserter(out), "{}", v);
        } else {
          out.append("null");
        }
      },
      value);
}

std::string seconds_text(Outage::Clock::duration d) {
  return fmt::format("{:.1f} s", std::chrono::duration<double>(d).count());
}

int64_t millis(Outage::Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

std::string_view level_name(Level level) {
  static constexpr std::string_view kNames[] = {"trace", "debug", "info", "warn", "error"};
  return kNames[static_cast<size_t>(level)];
}

void configure(const Settings& settings) {
  g_level = settings.level;
  g_format = settings.format;
  g_repeat_ms = settings.repeat_interval.count();
}

Settings settings() { return Settings{g_level.load(), g_format.load(), std::chrono::milliseconds(g_repeat_ms.load())}; }

bool enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

std::string format_line(Format format, int64_t epoch_ms, Level level, std::string_view component,
                        std::string_view message, std::span<const Field> fields) {
  std::string out;
  out.reserve(96 + message.size());
  if (format == Format::json) {
    out.append("{\"time\":");
    json_append::append_string(out, format_iso8601_ms(epoch_ms));
    out.append(",\"level\":");
    json_append::append_string(out, level_name(level));
    out.append(",\"component\":");
    json_append::append_string(out, component);
    out.append(",\"message\":");
    json_append::append_string(out, message);
    for (const Field& field : fields) {
      out.push_back(',');
      json_append::append_string(out, field.key);
      out.push_back(':');
      append_value(out, format, field.value);
    }
    out.push_back('}');
    return out;
  }
  append_iso8601_ms(out, epoch_ms);
  fmt::format_to(std::back_inserter(out), " {:<5} {}: ", level_name(level), component);
  // The message stays on one line.
  for (char c : message) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  for (const Field& field : fields) {
    out.push_back(' ');
    out.append(field.key);
    out.push_back('=');
    append_value(out, format, field.value);
  }
  return out;
}

void write(Level level, std::string_view component, std::string_view message, std::span<const Field> fields) {
  if (!enabled(level)) return;
  const std::string line = format_line(g_format.load(), now_ms(), level, component, message, fields);
  {
    std::lock_guard lock(g_capture_mutex);
    if (g_capture) {
      g_capture(line);
      return;
    }
  }
  writer().log(spdlog::level::info, line);
}

void capture_lines(std::function<void(std::string_view line)> capture) {
  std::lock_guard lock(g_capture_mutex);
  g_capture = std::move(capture);
}

Outage::Outage(std::string component, std::string subject, std::string field_key, std::string field_value)
    : component_(std::move(component)),
      subject_(std::move(subject)),
      field_key_(std::move(field_key)),
      field_value_(std::move(field_value)) {}

void Outage::failed(std::string_view cause, std::string_view retry) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  ++failures_;
  ++unreported_;
  const Field subject(field_key_.empty() ? std::string_view("subject") : field_key_,
                      field_key_.empty() ? subject_ : field_value_);
  if (!down_) {
    down_ = true;
    since_ = now;
    last_line_ = now;
    unreported_ = 0;
    warn(component_, fmt::format("{} down: {}; {}", subject_, cause, retry),
         {subject, {"event", "down"}, {"cause", cause}});
    return;
  }
  if (now - last_line_ < std::chrono::milliseconds(g_repeat_ms.load())) return;
  last_line_ = now;
  warn(
      component_,
      fmt::format("{} still down after {} ({} failed attempts, {} since the last line); last: {}", subject_,
                  seconds_text(now - since_), failures_, unreported_, cause),
      {subject, {"event", "still_down"}, {"down_ms", millis(now - since_)}, {"attempts", failures_}, {"cause", cause}});
  unreported_ = 0;
}

void Outage::succeeded() {
  if (!down_.load(std::memory_order_relaxed)) return;
  std::lock_guard lock(mutex_);
  if (!down_) return;
  const auto now = now_();
  const Field subject(field_key_.empty() ? std::string_view("subject") : field_key_,
                      field_key_.empty() ? subject_ : field_value_);
  info(component_,
       fmt::format("{} back after {} down ({} failed attempts)", subject_, seconds_text(now - since_), failures_),
       {subject, {"event", "recovered"}, {"down_ms", millis(now - since_)}, {"attempts", failures_}});
  down_ = false;
  failures_ = 0;
  unreported_ = 0;
}

bool Outage::down() const { return down_.load(); }

bool Throttle::allow(uint64_t& held, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (last_ && now - *last_ < std::chrono::milliseconds(g_repeat_ms.load())) {
    ++held_;
    return false;
  }
  last_ = now;
  held = std::exchange(held_, 0);
  return true;
}

}  // namespace kascade::logging
