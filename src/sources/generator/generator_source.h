// sources/generator/generator_source.h: the deterministic user generator as a resumable Source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sources/generator/randomuser_generator.h"
#include "sources/source.h"

namespace kascade {

// Out-of-order event times for testing windows: each record's fetched_at is
// up to jitter_ms before its batch's time, and a late_ratio share of records a
// further late_by_ms back. Drawn from (seed, index): the same on every replay.
struct EventTimeSkew {
  int64_t jitter_ms = 0;
  double late_ratio = 0;
  int64_t late_by_ms = 0;
};

// Emits RandomUserGenerator records in index order. The position is the next
// index as a decimal string, so a restart regenerates exactly the records the
// bus does not have. Owns its generator and cursor; used by the one source
// thread that calls resume() and next_batch().
class GeneratorSource final : public Source {
 public:
  // max_records: stop (exhausted) after that many records in total, counted
  // from index 0; nullopt = endless.
  explicit GeneratorSource(const GeneratorOptions& options, std::string name = "generator",
                           std::optional<uint64_t> max_records = std::nullopt);

  std::string_view name() const override { return name_; }
  Status resume(const std::optional<std::string>& position) override;
  // Records [next_index, min(next_index + max_records, bound)), all stamped
  // with one fetched_at = now_ms() taken when the batch is made.
  Result<SourceBatch> next_batch(size_t max_records) override;

  void set_event_time_skew(EventTimeSkew skew) { skew_ = skew; }
  // fetched_at of record `index` in a batch made at `batch_ms`.
  int64_t event_time(uint64_t index, int64_t batch_ms) const;

  uint64_t next_index() const { return next_index_; }
  const RandomUserGenerator& generator() const { return generator_; }

 private:
  RandomUserGenerator generator_;
  std::string name_;
  std::optional<uint64_t> max_records_;
  uint64_t next_index_ = 0;
  EventTimeSkew skew_;
  uint64_t seed_hash_ = 0;
};

}  // namespace kascade
