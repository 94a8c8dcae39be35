// config/config_loader.cc: YAML -> Config through the option table; errors carry file:line:col.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <optional>

#include "config/config_file.h"
#include "config/config_yaml.h"
#include "config/option_table.h"
#include "core/text.h"

namespace kascade {
namespace {

std::string where(const std::string& origin, const YAML::Mark& mark) {
  if (mark.line < 0) return origin;
  return fmt::format("{}:{}:{}", origin, mark.line + 1, mark.column + 1);
}

Error config_error(const std::string& origin, const YAML::Mark& mark, std::string_view path, std::string_view what) {
  return Error::make(Errc::config, fmt::format("{}: {}: {}", where(origin, mark), cut_for_message(path), what));
}

bool is_section(std::string_view path) {
  for (const auto& option : option_table()) {
    if (option.path.size() > path.size() && option.path.starts_with(path) && option.path[path.size()] == '.') {
      return true;
    }
  }
  return false;
}

// "unknown key" with the closest known path, if one is close.
std::string unknown_key_message(std::string_view path) {
  std::string_view best;
  size_t best_distance = 3;
  auto consider = [&](std::string_view candidate) {
    // The distance is at least the difference in length: skip what cannot be
    // closer, so a huge key costs nothing.
    const size_t gap = std::max(path.size(), candidate.size()) - std::min(path.size(), candidate.size());
    if (gap >= best_distance) return;
    const size_t d = edit_distance(path, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const auto& option : option_table()) {
    consider(option.path);
    for (size_t dot = option.path.find('.'); dot != std::string_view::npos; dot = option.path.find('.', dot + 1)) {
      consider(option.path.substr(0, dot));
    }
  }
  if (best.empty()) return "unknown key";
  return fmt::format("unknown key (did you mean '{}'?)", best);
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

// Why `text` is not an RFC 6901 JSON pointer ("" or "/a/b", `~` only in `~0`
// and `~1`); nullopt when it is one. Every option named `*_pointer` is one.
std::optional<std::string> json_pointer_problem(std::string_view text) {
  if (!text.empty() && text.front() != '/') return std::string("it must be empty or start with '/'");
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '~' && (i + 1 == text.size() || (text[i + 1] != '0' && text[i + 1] != '1'))) {
      return std::string("'~' must be followed by 0 or 1 (~0 is '~', ~1 is '/')");
    }
  }
  return std::nullopt;
}

// Checks `text` against the option's type and bounds and stores it. `location`
// prefixes errors ("file:line:col", or "--set" for command-line overrides).
Status apply_text(Config& config, const OptionSpec& option, const std::string& text, const std::string& location) {
  auto error = [&](std::string what) {
    return Error::make(Errc::config, fmt::format("{}: {}: {}", location, option.path, what));
  };
  auto got = [&](std::string_view expected) {
    return error(fmt::format("expected {}, got '{}'", expected, cut_for_message(text)));
  };
  if (const auto* integer = std::get_if<IntegerOption>(&option.kind)) {
    int64_t value = 0;
    if (!parse_number(text, value)) return got("an integer");
    if (value < integer->min || value > integer->max) {
      return error(fmt::format("{} is out of range [{}, {}]", value, integer->min, integer->max));
    }
    integer->field(config) = value;
  } else if (const auto* real = std::get_if<RealOption>(&option.kind)) {
    double value = 0;
    if (!parse_number(text, value)) return got("a number");
    if (!(value >= real->min && value <= real->max)) {
      return error(fmt::format("{} is out of range [{}, {}]", value, real->min, real->max));
    }
    real->field(config) = value;
  } else if (const auto* boolean = std::get_if<BoolOption>(&option.kind)) {
    if (text != "true" && text != "false") return got("true or false");
    boolean->field(config) = text == "true";
  } else if (const auto* named = std::get_if<EnumOption>(&option.kind)) {
    const auto found = std::find(named->choices.begin(), named->choices.end(), text);
    if (found == named->choices.end()) {
      return error(fmt::format("'{}' is not one of: {}", cut_for_message(text), fmt::join(named->choices, ", ")));
    }
    named->assign(config, static_cast<size_t>(found - named->choices.begin()));
  } else {
    const auto& choice = std::get<TextOption>(option.kind);
    if (!choice.allow_empty && text.empty()) return error("must not be empty");
    if (option.path.ends_with("_pointer")) {
      if (auto problem = json_pointer_problem(text))
        return error(fmt::format("'{}' is not a JSON pointer: {}", text, *problem));
    }
    if (!choice.choices.empty() &&
        std::find(choice.choices.begin(), choice.choices.end(), text) == choice.choices.end()) {
      return error(fmt::format("'{}' is not one of: {}", cut_for_message(text), fmt::join(choice.choices, ", ")));
    }
    if (choice.check != nullptr) {
      if (Status status = choice.check(text); !status) return error(status.message());
    }
    choice.field(config) = text;
  }
  config.origins.insert_or_assign(std::string(option.path), location);
  return ok_status();
}

Status apply_mapping(Config& config, const YAML::Node& map, const std::string& prefix, const std::string& origin) {
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    const YAML::Node& value = entry.second;
    if (!key.IsScalar()) {
      return config_error(origin, key.Mark(), prefix.empty() ? "(top level)" : prefix, "keys must be plain names");
    }
    const std::string path = prefix.empty() ? key.Scalar() : prefix + "." + key.Scalar();
    // The pipeline spec (`table`, `transforms`) is read and checked by process/transforms/spec_loader.cc.
    if (path == "table" || path == "transforms") continue;
    const OptionSpec* option = find_option(path);
    if (option != nullptr) {
      if (!value.IsScalar()) {
        return config_error(origin, key.Mark(), path, "expected a single value, got a list or mapping");
      }
      if (auto status = apply_text(config, *option, value.Scalar(), where(origin, value.Mark())); !status) {
        return status;
      }
    } else if (is_section(path)) {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        return config_error(origin, key.Mark(), path, "expected a mapping of options");
      }
      if (auto status = apply_mapping(config, value, path, origin); !status) return status;
    } else {
      return config_error(origin, key.Mark(), path, unknown_key_message(path));
    }
  }
  return ok_status();
}

}  // namespace

Config default_config() {
  Config config;
  for (const auto& option : option_table()) {
    std::visit(
        [&](const auto& kind) {
          using Kind = std::decay_t<decltype(kind)>;
          if constexpr (std::is_same_v<Kind, TextOption>) {
            kind.field(config) = std::string(kind.default_value);
          } else if constexpr (std::is_same_v<Kind, EnumOption>) {
            kind.assign(config, kind.default_index);
          } else {
            kind.field(config) = kind.default_value;
          }
        },
        option.kind);
  }
  return config;
}

Result<Config> load_config_text(const std::string& text, const std::string& origin) {
  Config config = default_config();
  auto parsed = parse_config_yaml(text, origin);
  if (!parsed) return parsed.status();
  const YAML::Node& root = *parsed;
  if (root.IsDefined() && !root.IsNull()) {
    if (!root.IsMap()) {
      return Error::make(Errc::config,
                         fmt::format("{}: the top level must be a mapping of options", where(origin, root.Mark())));
    }
    if (auto status = apply_mapping(config, root, "", origin); !status) return status.error();
  }
  if (auto status = finalize_config(config); !status) {
    return Error::make(Errc::config, fmt::format("{}: {}", origin, status.message()));
  }
  return config;
}

Result<Config> load_config_file(const std::filesystem::path& file) {
  auto text = read_config_file(file);
  if (!text) return text.status();
  return load_config_text(*text, file.string());
}

Status set_config_option(Config& config, std::string_view assignment) {
  const size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    return Error::make(Errc::config, fmt::format("--set {}: expected KEY=VALUE", cut_for_message(assignment)));
  }
  const std::string path(assignment.substr(0, equals));
  const OptionSpec* option = find_option(path);
  if (option == nullptr) {
    return Error::make(Errc::config, fmt::format("--set: {}: {}", cut_for_message(path), unknown_key_message(path)));
  }
  return apply_text(config, *option, std::string(assignment.substr(equals + 1)), "--set");
}

Status finalize_config(Config& config) {
  if (config.source.records > 0 && config.source.batch_records > config.source.records) {
    config.source.batch_records = config.source.records;
  }
  if (config.processor.max_record_bytes > config.bus.embedded.max_record_bytes) {
    return Error::make(Errc::config,
                       fmt::format("processor.max_record_bytes ({}) exceeds bus.embedded.max_record_bytes ({})",
                                   config.processor.max_record_bytes, config.bus.embedded.max_record_bytes));
  }
  return ok_status();
}

std::filesystem::path Config::store_path() const {
  if (!store.path.empty()) return store.path;
  return std::filesystem::path(data_dir) / "store.db";
}

std::string Config::option_location(std::string_view path) const {
  const auto found = origins.find(path);
  if (found == origins.end()) return std::string(path);
  if (found->second == "--set") return fmt::format("--set {}", path);
  return fmt::format("{}: {}", found->second, path);
}

std::filesystem::path Config::log_dir() const { return std::filesystem::path(data_dir) / "log"; }

}  // namespace kascade
