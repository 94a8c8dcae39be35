// bus/embedded/embedded_consumer.cc: positions, polling with wait/notify, group commits.
#include "bus/embedded/embedded_consumer.h"

#include <algorithm>
#include <utility>

namespace kascade {
namespace {
// How often a waiting poll looks for appends made by another process.
constexpr std::chrono::milliseconds kCrossProcessSlice(20);
}  // namespace

EmbeddedConsumer::EmbeddedConsumer(EmbeddedLog& log, std::string topic, std::string group, size_t max_poll_bytes,
                                   std::unique_ptr<TopicStore> reader)
    : log_(log),
      topic_(std::move(topic)),
      group_(std::move(group)),
      max_poll_bytes_(max_poll_bytes),
      reader_(std::move(reader)) {}

Result<std::unique_ptr<EmbeddedConsumer>> EmbeddedConsumer::open(EmbeddedLog& log, std::string topic, std::string group,
                                                                 size_t max_poll_bytes) {
  if (group.empty()) return Error::make(Errc::invalid_argument, "consumer group is empty");
  if (auto created = log.create_topic(topic); !created) return created.status();
  auto reader = log.open_reader(topic);
  if (!reader) return reader.status();
  // A corrupt newest batch fails the consumer at once, wherever its
  // positions are: the log lost acknowledged records (reads check the rest).
  auto corrupt = (*reader)->verify(VerifyDepth::newest);
  if (!corrupt) return corrupt.status();
  if (!corrupt->empty()) return corruption_error(*corrupt);
  return std::unique_ptr<EmbeddedConsumer>(
      new EmbeddedConsumer(log, std::move(topic), std::move(group), max_poll_bytes, std::move(*reader)));
}

Status EmbeddedConsumer::start(const OffsetMap& positions) {
  auto committed = log_.committed(topic_, group_);
  if (!committed) return committed.status();
  auto partitions = reader_->describe();
  if (!partitions) return partitions.status();
  positions_.clear();
  for (const PartitionInfo& p : *partitions) {
    int64_t at = p.start_offset;
    if (auto it = positions.find(p.partition); it != positions.end()) {
      at = it->second;
    } else if (auto c = committed->find(p.partition); c != committed->end()) {
      at = c->second;
    }
    positions_[p.partition] = std::clamp(at, p.start_offset, p.end_offset);
  }
  started_ = true;
  return ok_status();
}

Result<bool> EmbeddedConsumer::poll_once(size_t max_records, PolledBatch& out) {
  auto partitions = reader_->describe();
  if (!partitions) return partitions.status();
  const auto count = static_cast<int32_t>(partitions->size());
  if (count == 0) return false;
  OffsetMap next = positions_;
  size_t bytes = 0;
  for (int32_t i = 0; i < count && out.records.size() < max_records; ++i) {
    const PartitionInfo& info = (*partitions)[static_cast<size_t>((next_partition_ + i) % count)];
    int64_t& position = next[info.partition];
    // Retention may have passed us: continue from the first retained offset.
    position = std::max(position, info.start_offset);
    if (position >= info.end_offset) continue;
    const size_t before = out.records.size();
    const size_t budget = max_poll_bytes_ > bytes ? max_poll_bytes_ - bytes : 0;
    if (Status s = reader_->read(info.partition, position, max_records - before, budget, out); !s) {
      return s;  // positions untouched: nothing of this poll was handed out
    }
    for (size_t k = before; k < out.records.size(); ++k) {
      bytes += out.records[k].key.size() + out.records[k].value.size();
    }
    if (out.records.size() > before) {
      position = out.records.back().offset + 1;
    } else {
      // Nothing stored at or past `position` (a quarantined batch at the end):
      // skip to the end this describe() saw; later appends come after it.
      auto next_stored = reader_->next_stored_offset(info.partition, position);
      if (!next_stored) return next_stored.status();
      if (!*next_stored) position = info.end_offset;
    }
    if (bytes >= max_poll_bytes_) break;
  }
  next_partition_ = (next_partition_ + 1) % count;
  positions_ = std::move(next);
  return !out.records.empty();
}

Result<PolledBatch> EmbeddedConsumer::poll(size_t max_records, std::chrono::milliseconds timeout) {
  if (!started_) {
    if (Status s = start({}); !s) return s;
  }
  PolledBatch out;
  out.topic = topic_;
  if (max_records == 0) return out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const uint64_t seen = log_.append_sequence();
    auto got = poll_once(max_records, out);
    if (!got) return got.status();
    if (*got) return out;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return out;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    log_.wait_for_append(seen, std::min(left + std::chrono::milliseconds(1), kCrossProcessSlice));
  }
}

Status EmbeddedConsumer::commit(const OffsetMap& next_offsets) { return log_.commit(topic_, group_, next_offsets); }

}  // namespace kascade
