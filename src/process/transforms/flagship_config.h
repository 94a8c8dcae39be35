// process/transforms/flagship_config.h: configs/flagship.yaml, embedded into the binary at build time.
#pragma once

#include <string_view>

namespace kascade {

// The path the embedded text is reported as, in error messages ("configs/flagship.yaml:12:3: ...").
inline constexpr std::string_view kFlagshipConfigOrigin = "configs/flagship.yaml";

// The text of configs/flagship.yaml as it was when the binary was built.
std::string_view flagship_config_text();

}  // namespace kascade
