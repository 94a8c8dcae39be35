// process/windows/open_window.h: the groups of one open window and their accumulators.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/row.h"
#include "process/windows/window_plan.h"

namespace kascade {

// One aggregate's input from one record. `present` is false for a null field
// (and, for count(field=value), for a value that does not match).
struct AggregateInput {
  bool present = false;
  double number = 0;      // sum, min, max, avg
  std::string_view text;  // the value's bytes, for distinct counts
};

// Where each aggregate keeps its state; derived once from the plan.
struct GroupLayout {
  std::vector<AggregateKind> kinds;
  std::vector<uint32_t> side;  // per aggregate: its index among the distinct sets or the HLLs of a group
  uint32_t distinct_per_group = 0;
  uint32_t hll_per_group = 0;

  static GroupLayout of(const WindowPlan& plan);
};

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One window [start, start + size): its groups by key, each with one cell per
// aggregate, plus the distinct sets and HLL registers of distinct counts.
// Remembers which groups changed since the last checkpoint. Owned by the
// WindowAggregator; used by the processor thread only.
class OpenWindow {
 public:
  static constexpr uint32_t kNoGroup = UINT32_MAX;

  OpenWindow(const GroupLayout& layout, int64_t start) : layout_(&layout), start_(start) {}

  int64_t start() const { return start_; }
  size_t groups() const { return keys_.size(); }
  std::string_view key(uint32_t group) const { return *keys_[group]; }

  uint32_t find(std::string_view key) const {
    const auto it = index_.find(key);
    return it == index_.end() ? kNoGroup : it->second;
  }
  uint32_t add_group(std::string_view key);
  void update(uint32_t group, std::span<const AggregateInput> inputs);

  // The group's aggregate as a result cell (count, sum, ... or null when no input was present).
  Value result(uint32_t group, size_t aggregate) const;

  // Compact serialization of a group's accumulators (varints; 8 bytes per sum/min/max).
  void encode(uint32_t group, std::string& out) const;
  bool decode(uint32_t group, std::string_view bytes);

  // Groups changed since the last call, and forget them.
  template <typename Visit>
  void take_dirty(Visit&& visit) {
    for (uint32_t group : dirty_list_) {
      dirty_[group] = 0;
      visit(group);
    }
    dirty_list_.clear();
  }

  // Heap bytes held (an estimate from sizes and capacities; see window_bench for a measurement).
  size_t memory_bytes() const;

 private:
  struct Cell {
    int64_t n = 0;  // inputs present
    double v = 0;   // sum, min or max
  };
  using DistinctSet = std::unordered_set<std::string, TransparentHash, std::equal_to<>>;

  Cell* cells(uint32_t group) { return cells_.data() + size_t{group} * layout_->kinds.size(); }
  const Cell* cells(uint32_t group) const { return cells_.data() + size_t{group} * layout_->kinds.size(); }
  uint8_t* registers(uint32_t group, uint32_t side);
  const uint8_t* registers(uint32_t group, uint32_t side) const;
  DistinctSet& distinct(uint32_t group, uint32_t side) {
    return distinct_[size_t{group} * layout_->distinct_per_group + side];
  }

  const GroupLayout* layout_;
  int64_t start_;
  std::unordered_map<std::string, uint32_t, TransparentHash, std::equal_to<>> index_;
  std::vector<const std::string*> keys_;  // group -> its key in index_ (nodes never move)
  std::vector<Cell> cells_;               // groups x aggregates
  std::vector<DistinctSet> distinct_;     // groups x distinct_per_group
  std::vector<uint8_t> hll_;              // groups x hll_per_group x kRegisters
  std::vector<uint8_t> dirty_;
  std::vector<uint32_t> dirty_list_;
};

}  // namespace kascade
