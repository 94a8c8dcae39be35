// sources/generator/generator_source.cc: positions, bounds and batching for GeneratorSource.
#include "sources/generator/generator_source.h"

#include <algorithm>
#include <charconv>

#include "core/timestamp.h"
#include "sources/generator/generator_hash.h"

namespace kascade {

GeneratorSource::GeneratorSource(const GeneratorOptions& options, std::string name, std::optional<uint64_t> max_records)
    : generator_(options),
      name_(std::move(name)),
      max_records_(max_records),
      seed_hash_(generator_hash::hash_seed(options.seed)) {}

int64_t GeneratorSource::event_time(uint64_t index, int64_t batch_ms) const {
  if (skew_.jitter_ms <= 0 && skew_.late_ratio <= 0) return batch_ms;
  const uint64_t draw = generator_hash::index_hash(seed_hash_, index, /*salt=*/0x65766e74);  // "evnt"
  int64_t at = batch_ms;
  if (skew_.jitter_ms > 0) at -= static_cast<int64_t>((draw & 0xFFFFFFFF) % static_cast<uint64_t>(skew_.jitter_ms + 1));
  // The top 32 bits, as a fraction of 2^32, decide lateness independently of the jitter.
  if (static_cast<double>(draw >> 32) < skew_.late_ratio * 4294967296.0) at -= skew_.late_by_ms;
  return at;
}

Status GeneratorSource::resume(const std::optional<std::string>& position) {
  if (!position) {
    next_index_ = 0;
    return ok_status();
  }
  const std::string& text = *position;
  uint64_t index = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, index);
  // from_chars accepts neither signs nor spaces; insist it used every byte.
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Error::make(Errc::corrupt,
                       "generator source '" + name_ + "': position '" + text + "' is not a decimal record index");
  }
  next_index_ = index;
  return ok_status();
}

Result<SourceBatch> GeneratorSource::next_batch(size_t max_records) {
  const uint64_t bound = max_records_.value_or(UINT64_MAX);
  const uint64_t begin = next_index_;
  const uint64_t end = begin >= bound ? begin : begin + std::min<uint64_t>(max_records, bound - begin);

  SourceBatch batch;
  batch.records.reserve(end - begin);
  const int64_t fetched_at = now_ms();
  for (uint64_t index = begin; index < end; ++index) {
    batch.records.push_back(generator_.record(index, event_time(index, fetched_at), name_));
  }
  next_index_ = end;
  batch.position = std::to_string(next_index_);
  batch.exhausted = next_index_ >= bound;
  return batch;
}

}  // namespace kascade
