// config/option_table.h: the declaration of every configuration option.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace kascade {

struct IntegerOption {
  int64_t& (*field)(Config&);
  int64_t default_value;
  int64_t min;
  int64_t max;
};
struct RealOption {
  double& (*field)(Config&);
  double default_value;
  double min;
  double max;
};
struct TextOption {
  std::string& (*field)(Config&);
  std::string_view default_value;
  std::vector<std::string_view> choices;  // empty: any text
  bool allow_empty = true;
  Status (*check)(std::string_view text) = nullptr;  // a further check of the value, if any
};

// true or false (YAML and --set); the Config field is a bool.
struct BoolOption {
  bool& (*field)(Config&);
  bool default_value;
};
// One of a closed list of names; the Config field is an enum whose values are
// the names in order (OptionEnumNames<E> in config.h). Build it with enum_option().
struct EnumOption {
  void (*assign)(Config&, size_t index);  // stores the index-th value
  size_t (*read)(const Config&);          // the index of the value held
  std::span<const std::string_view> choices;
  size_t default_index;
};

// How an enum option is stored and read (KASCADE_ENUM in option_table.cc makes both).
struct EnumAccess {
  void (*assign)(Config&, size_t index);
  size_t (*read)(const Config&);
};

template <typename E>
EnumOption enum_option(EnumAccess access, E default_value) {
  return EnumOption{access.assign, access.read, OptionEnumNames<E>::names, static_cast<size_t>(default_value)};
}

// Whether an option's value may be printed (the start line of a command, config dumps):
// `value`: never, shown as ***; `properties`: "key=value;..." whose values of keys naming a
// password, secret, token or sasl.jaas are shown as ***.
enum class Secret { none, value, properties };

// One option: its YAML path ("bus.partitions"), what it means, and its type.
struct OptionSpec {
  std::string_view path;
  std::string_view description;
  std::variant<IntegerOption, RealOption, TextOption, BoolOption, EnumOption> kind;
  Secret secret = Secret::none;
};

std::span<const OptionSpec> option_table();
const OptionSpec* find_option(std::string_view path);

// True for a key naming a secret (password, secret, token, sasl.jaas; any case): its value is never printed.
bool is_secret_key(std::string_view key);

// The value `config` holds for `option`, as a config file would spell it, secrets shown as ***.
std::string shown_option_value(const Config& config, const OptionSpec& option);

}  // namespace kascade
