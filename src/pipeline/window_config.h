// pipeline/window_config.h: config `windows.*` -> the processor's window plan.
#pragma once

#include <optional>

#include "config/config.h"
#include "process/windows/window_plan.h"

namespace kascade {

// The window plan to run, or nullopt when windows are off. windows.enabled=auto
// runs them with the sqlite store (which checkpoints window state with its
// offsets) on the built-in users table (`custom_table`: a config's own
// table and transforms, whose columns the defaults may not name).
// Errors (Errc::config) name the option.
Result<std::optional<WindowPlan>> window_plan_from_config(const Config& config, bool custom_table);

}  // namespace kascade
