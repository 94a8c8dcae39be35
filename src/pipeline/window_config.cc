// pipeline/window_config.cc: windows.* options -> WindowPlan.
#include "pipeline/window_config.h"

namespace kascade {

Result<std::optional<WindowPlan>> window_plan_from_config(const Config& config, bool custom_table) {
  const WindowsConfig& w = config.windows;
  if (w.enabled == WindowsEnabled::off) return std::optional<WindowPlan>();
  if (w.enabled == WindowsEnabled::automatic && (config.store.type != StoreType::sqlite || custom_table)) {
    return std::optional<WindowPlan>();
  }
  WindowPlan plan;
  plan.table = w.table;
  plan.event_time = w.event_time;
  auto group_by = parse_group_by(w.group_by);
  if (!group_by) return Error::make(Errc::config, "windows.group_by: " + group_by.error().message);
  plan.group_by = std::move(*group_by);
  auto aggregates = parse_aggregates(w.aggregates);
  if (!aggregates) return Error::make(Errc::config, "windows.aggregates: " + aggregates.error().message);
  plan.aggregates = std::move(*aggregates);
  plan.size_ms = w.size_ms;
  plan.slide_ms = w.slide_ms == 0 ? w.size_ms : w.slide_ms;
  plan.allowed_lateness_ms = w.allowed_lateness_ms;
  plan.late = w.late_records == LateRecords::dead_letter ? LatePolicy::dead_letter : LatePolicy::drop;
  plan.missing_group =
      w.missing_group == MissingGroup::dead_letter ? MissingGroupPolicy::dead_letter : MissingGroupPolicy::null_group;
  plan.null_group_label = w.null_group;
  plan.max_open_windows = static_cast<size_t>(w.max_open_windows);
  plan.max_groups = static_cast<size_t>(w.max_groups);
  plan.early_updates_ms = w.early_updates_ms;
  if (auto status = validate_plan(plan); !status) return status.error();
  return std::optional<WindowPlan>(std::move(plan));
}

}  // namespace kascade
