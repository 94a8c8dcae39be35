// process/windows/open_window.cc: accumulator updates, results and the compact state encoding.
#include "process/windows/open_window.h"

#include <algorithm>
#include <cstring>

#include "process/windows/group_key.h"
#include "process/windows/hyperloglog.h"

namespace kascade {

using group_key::append_varint;
using group_key::read_varint;

GroupLayout GroupLayout::of(const WindowPlan& plan) {
  GroupLayout layout;
  for (const AggregateSpec& spec : plan.aggregates) {
    layout.kinds.push_back(spec.kind);
    if (spec.kind == AggregateKind::count_distinct) {
      layout.side.push_back(layout.distinct_per_group++);
    } else if (spec.kind == AggregateKind::approx_count_distinct) {
      layout.side.push_back(layout.hll_per_group++);
    } else {
      layout.side.push_back(0);
    }
  }
  return layout;
}

uint8_t* OpenWindow::registers(uint32_t group, uint32_t side) {
  return hll_.data() + (size_t{group} * layout_->hll_per_group + side) * hyperloglog::kRegisters;
}
const uint8_t* OpenWindow::registers(uint32_t group, uint32_t side) const {
  return hll_.data() + (size_t{group} * layout_->hll_per_group + side) * hyperloglog::kRegisters;
}

uint32_t OpenWindow::add_group(std::string_view key) {
  const auto group = static_cast<uint32_t>(keys_.size());
  const auto [it, inserted] = index_.emplace(std::string(key), group);
  if (!inserted) return it->second;
  keys_.push_back(&it->first);
  cells_.resize(cells_.size() + layout_->kinds.size());
  distinct_.resize(distinct_.size() + layout_->distinct_per_group);
  hll_.resize(hll_.size() + size_t{layout_->hll_per_group} * hyperloglog::kRegisters, 0);
  dirty_.push_back(0);
  return group;
}

void OpenWindow::update(uint32_t group, std::span<const AggregateInput> inputs) {
  Cell* cell = cells(group);
  const size_t count = layout_->kinds.size();
  for (size_t a = 0; a < count; ++a) {
    const AggregateInput& in = inputs[a];
    if (!in.present) continue;
    Cell& c = cell[a];
    switch (layout_->kinds[a]) {
      case AggregateKind::count:
        break;
      case AggregateKind::sum:
      case AggregateKind::avg:
        c.v += in.number;
        break;
      case AggregateKind::min:
        c.v = c.n == 0 ? in.number : std::min(c.v, in.number);
        break;
      case AggregateKind::max:
        c.v = c.n == 0 ? in.number : std::max(c.v, in.number);
        break;
      case AggregateKind::count_distinct: {
        DistinctSet& set = distinct(group, layout_->side[a]);
        if (set.find(in.text) == set.end()) set.emplace(in.text);
        break;
      }
      case AggregateKind::approx_count_distinct:
        hyperloglog::add(registers(group, layout_->side[a]), hyperloglog::hash_bytes(in.text));
        break;
    }
    ++c.n;
  }
  if (!dirty_[group]) {
    dirty_[group] = 1;
    dirty_list_.push_back(group);
  }
}

Value OpenWindow::result(uint32_t group, size_t aggregate) const {
  const Cell& c = cells(group)[aggregate];
  Value value;
  auto integer = [&](int64_t v) {
    value.kind = Value::Kind::integer;
    value.as.integer = v;
  };
  auto real = [&](double v) {
    if (c.n == 0) return;  // no input: null, not 0
    value.kind = Value::Kind::real;
    value.as.real = v;
  };
  switch (layout_->kinds[aggregate]) {
    case AggregateKind::count:
      integer(c.n);
      break;
    case AggregateKind::sum:
    case AggregateKind::min:
    case AggregateKind::max:
      real(c.v);
      break;
    case AggregateKind::avg:
      real(c.n ? c.v / static_cast<double>(c.n) : 0);
      break;
    case AggregateKind::count_distinct:
      integer(static_cast<int64_t>(
          distinct_[size_t{group} * layout_->distinct_per_group + layout_->side[aggregate]].size()));
      break;
    case AggregateKind::approx_count_distinct:
      integer(static_cast<int64_t>(hyperloglog::estimate(registers(group, layout_->side[aggregate]))));
      break;
  }
  return value;
}

void OpenWindow::encode(uint32_t group, std::string& out) const {
  const Cell* cell = cells(group);
  for (size_t a = 0; a < layout_->kinds.size(); ++a) {
    const Cell& c = cell[a];
    append_varint(out, static_cast<uint64_t>(c.n));
    switch (layout_->kinds[a]) {
      case AggregateKind::count:
        break;
      case AggregateKind::sum:
      case AggregateKind::avg:
      case AggregateKind::min:
      case AggregateKind::max:
        if (c.n != 0) out.append(reinterpret_cast<const char*>(&c.v), sizeof c.v);
        break;
      case AggregateKind::count_distinct: {
        const auto& set = distinct_[size_t{group} * layout_->distinct_per_group + layout_->side[a]];
        append_varint(out, set.size());
        for (const std::string& value : set) {
          append_varint(out, value.size());
          out.append(value);
        }
        break;
      }
      case AggregateKind::approx_count_distinct: {
        // Sparse (index, rank) pairs while most registers are zero, else all of them.
        const uint8_t* regs = registers(group, layout_->side[a]);
        const auto nonzero =
            static_cast<size_t>(std::count_if(regs, regs + hyperloglog::kRegisters, [](uint8_t r) { return r != 0; }));
        append_varint(out, nonzero);
        if (nonzero * 3 < hyperloglog::kRegisters) {
          for (size_t i = 0; i < hyperloglog::kRegisters; ++i) {
            if (regs[i] == 0) continue;
            append_varint(out, i);
            out.push_back(static_cast<char>(regs[i]));
          }
        } else {
          out.append(reinterpret_cast<const char*>(regs), hyperloglog::kRegisters);
        }
        break;
      }
    }
  }
}

bool OpenWindow::decode(uint32_t group, std::string_view in) {
  Cell* cell = cells(group);
  for (size_t a = 0; a < layout_->kinds.size(); ++a) {
    Cell& c = cell[a];
    const auto n = read_varint(in);
    if (!n) return false;
    c.n = static_cast<int64_t>(*n);
    switch (layout_->kinds[a]) {
      case AggregateKind::count:
        break;
      case AggregateKind::sum:
      case AggregateKind::avg:
      case AggregateKind::min:
      case AggregateKind::max:
        if (c.n == 0) break;
        if (in.size() < sizeof c.v) return false;
        std::memcpy(&c.v, in.data(), sizeof c.v);
        in.remove_prefix(sizeof c.v);
        break;
      case AggregateKind::count_distinct: {
        DistinctSet& set = distinct(group, layout_->side[a]);
        const auto size = read_varint(in);
        if (!size) return false;
        for (uint64_t i = 0; i < *size; ++i) {
          const auto length = read_varint(in);
          if (!length || *length > in.size()) return false;
          set.emplace(in.substr(0, *length));
          in.remove_prefix(*length);
        }
        break;
      }
      case AggregateKind::approx_count_distinct: {
        uint8_t* regs = registers(group, layout_->side[a]);
        const auto nonzero = read_varint(in);
        if (!nonzero) return false;
        if (*nonzero * 3 < hyperloglog::kRegisters) {
          for (uint64_t i = 0; i < *nonzero; ++i) {
            const auto index = read_varint(in);
            if (!index || *index >= hyperloglog::kRegisters || in.empty()) return false;
            regs[*index] = static_cast<uint8_t>(in.front());
            in.remove_prefix(1);
          }
        } else {
          if (in.size() < hyperloglog::kRegisters) return false;
          std::memcpy(regs, in.data(), hyperloglog::kRegisters);
          in.remove_prefix(hyperloglog::kRegisters);
        }
        break;
      }
    }
  }
  return in.empty();
}

size_t OpenWindow::memory_bytes() const {
  // Hash node: key string + value + next pointer + cached hash; plus one bucket pointer.
  constexpr size_t kNode = sizeof(std::string) + sizeof(uint32_t) + 2 * sizeof(void*) + sizeof(size_t);
  size_t bytes = index_.bucket_count() * sizeof(void*) + index_.size() * kNode;
  for (const std::string* key : keys_) {
    if (key->capacity() > 15) bytes += key->capacity() + 1;  // beyond the small-string buffer
  }
  bytes += keys_.capacity() * sizeof(void*) + cells_.capacity() * sizeof(Cell) + hll_.capacity() + dirty_.capacity() +
           dirty_list_.capacity() * sizeof(uint32_t) + distinct_.capacity() * sizeof(DistinctSet);
  for (const DistinctSet& set : distinct_) {
    bytes += set.bucket_count() * sizeof(void*) + set.size() * (sizeof(std::string) + 2 * sizeof(void*));
    for (const std::string& value : set) {
      if (value.capacity() > 15) bytes += value.capacity() + 1;
    }
  }
  return bytes;
}

}  // namespace kascade
