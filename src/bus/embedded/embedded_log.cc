// bus/embedded/embedded_log.cc: topics, appends, reads, group offsets, checkpoints, retention.
#include "bus/embedded/embedded_log.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "bus/partitioner.h"
#include "core/timestamp.h"

namespace kascade {

// One open topic. The writer connection (and last_retention_ms) belong to
// whoever holds write_mu; the shared reader connection to whoever holds read_mu.
struct EmbeddedLog::Topic {
  std::string name;
  int32_t partitions = 0;
  std::mutex write_mu;
  std::unique_ptr<TopicStore> writer;
  int64_t last_retention_ms = 0;
  std::mutex read_mu;
  std::unique_ptr<TopicStore> reader;  // opened on first use
  std::atomic<uint32_t> round_robin{0};
  uint64_t last_used = 0;  // EmbeddedLog::use_clock_ at the last topic() call
};

EmbeddedLog::EmbeddedLog(std::string data_dir, EmbeddedLogOptions options)
    : data_dir_(std::move(data_dir)), options_(options) {}

EmbeddedLog::~EmbeddedLog() = default;

Result<std::unique_ptr<EmbeddedLog>> EmbeddedLog::open(std::string data_dir, EmbeddedLogOptions options) {
  if (options.default_partitions <= 0 || options.max_batch_bytes <= 0 || options.max_record_bytes <= 0 ||
      options.max_open_topics <= 0) {
    return Error::make(Errc::config, "embedded log: partitions, byte limits and max_open_topics must be > 0");
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(data_dir) / "log", ec);
  if (ec) return Error::make(Errc::io, "create " + data_dir + "/log: " + ec.message());
  // Topics are opened at first use: a data dir with many topics costs
  // nothing until they are used, and at most max_open_topics stay open.
  return std::unique_ptr<EmbeddedLog>(new EmbeddedLog(std::move(data_dir), options));
}

std::string EmbeddedLog::topic_path(std::string_view topic) const {
  return data_dir_ + "/log/" + std::string(topic) + ".db";
}

Status EmbeddedLog::validate_topic_name(std::string_view topic) {
  const bool chars_ok = std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (topic.empty() || topic.size() > 200 || !chars_ok || topic == "." || topic == "..") {
    return Error::make(Errc::invalid_argument,
                       "bad topic name '" + std::string(topic) + "' (1-200 characters of a-z A-Z 0-9 . _ -)");
  }
  return ok_status();
}

Result<std::shared_ptr<EmbeddedLog::Topic>> EmbeddedLog::topic(std::string_view name, int32_t create_partitions) {
  std::lock_guard lock(topics_mu_);
  if (auto it = topics_.find(name); it != topics_.end()) {
    it->second->last_used = ++use_clock_;
    return it->second;
  }
  if (Status s = validate_topic_name(name); !s) return s;
  // Make room first, so the descriptors in use stay within the bound.
  close_idle_topics();
  auto store = TopicStore::open(topic_path(name), options_, create_partitions);
  if (!store) return store.status();
  auto t = std::make_shared<Topic>();
  t->name = std::string(name);
  t->partitions = (*store)->partitions();
  t->writer = std::move(*store);
  t->last_used = ++use_clock_;
  topics_.emplace(t->name, t);
  return t;
}

void EmbeddedLog::close_idle_topics() {
  const auto limit = static_cast<size_t>(options_.max_open_topics);
  while (topics_.size() >= limit) {
    // The least recently used topic nobody holds; none idle: stay over the limit.
    auto victim = topics_.end();
    for (auto it = topics_.begin(); it != topics_.end(); ++it) {
      if (it->second.use_count() == 1 &&
          (victim == topics_.end() || it->second->last_used < victim->second->last_used)) {
        victim = it;
      }
    }
    if (victim == topics_.end()) return;
    topics_.erase(victim);  // closes its connections
  }
}

size_t EmbeddedLog::open_topic_count() const {
  std::lock_guard lock(topics_mu_);
  return topics_.size();
}

Result<std::vector<CorruptBatch>> EmbeddedLog::verify(std::string_view name, VerifyDepth depth) {
  if (depth == VerifyDepth::newest) {  // cheap: through the topic's shared reader
    auto t = topic(name, 0);
    if (!t) return t.status();
    std::lock_guard lock((*t)->read_mu);
    auto reader = shared_reader(**t);
    if (!reader) return reader.status();
    return (*reader)->verify(depth);
  }
  // Reads the whole file: through a connection of its own, closed afterwards.
  if (Status s = validate_topic_name(name); !s) return s;
  auto store = TopicStore::open(topic_path(name), options_, 0);
  if (!store) return store.status();
  return (*store)->verify(depth);
}

Result<std::vector<CorruptBatch>> EmbeddedLog::quarantine(std::string_view name) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->write_mu);
  return (*t)->writer->quarantine();
}

Result<bool> EmbeddedLog::caught_up(std::string_view name, const OffsetMap& positions) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->read_mu);
  auto reader = shared_reader(**t);
  if (!reader) return reader.status();
  auto partitions = (*reader)->describe();
  if (!partitions) return partitions.status();
  for (const PartitionInfo& p : *partitions) {
    auto it = positions.find(p.partition);
    const int64_t position = std::max(it == positions.end() ? 0 : it->second, p.start_offset);
    if (position >= p.end_offset) continue;
    auto next = (*reader)->next_stored_offset(p.partition, position);
    if (!next) return next.status();
    if (*next) return false;
  }
  return true;
}

Result<TopicInfo> EmbeddedLog::create_topic(std::string_view name, int32_t partitions) {
  auto t = topic(name, partitions > 0 ? partitions : options_.default_partitions);
  if (!t) return t.status();
  return describe(name);
}

Result<std::vector<std::string>> EmbeddedLog::list_topics() const {
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(std::filesystem::path(data_dir_) / "log", ec);
  if (ec) return Error::make(Errc::io, "list " + data_dir_ + "/log: " + ec.message());
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto& path = it->path();
    if (path.extension() == ".db" && validate_topic_name(path.stem().string()).ok()) {
      out.push_back(path.stem().string());
    }
  }
  if (ec) return Error::make(Errc::io, "list " + data_dir_ + "/log: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

Result<TopicStore*> EmbeddedLog::shared_reader(Topic& t) {
  if (!t.reader) {
    auto reader = TopicStore::open(topic_path(t.name), options_, 0);
    if (!reader) return reader.status();
    t.reader = std::move(*reader);
  }
  return t.reader.get();
}

Result<TopicInfo> EmbeddedLog::describe(std::string_view name) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->read_mu);
  auto reader = shared_reader(**t);
  if (!reader) return reader.status();
  auto partitions = (*reader)->describe();
  if (!partitions) return partitions.status();
  return TopicInfo{std::string(name), std::move(*partitions)};
}

Status EmbeddedLog::encode(Topic& t, std::span<const Record> records, std::optional<int32_t> partition,
                           std::vector<EncodedBatch>& batches) {
  const int32_t count = t.partitions;
  if (partition && (*partition < 0 || *partition >= count)) {
    return Error::make(Errc::invalid_argument, "topic " + t.name + " has no partition " + std::to_string(*partition));
  }
  std::vector<std::vector<const Record*>> by_partition(static_cast<size_t>(count));
  std::optional<int32_t> keyless;
  for (const Record& r : records) {
    if (record_size(r) > static_cast<size_t>(options_.max_record_bytes)) {
      return Error::make(Errc::too_large,
                         "record of " + std::to_string(record_size(r)) + " bytes exceeds max_record_bytes");
    }
    int32_t p;
    if (partition) {
      p = *partition;
    } else if (!r.key.empty()) {
      p = partition_for_key(r.key, count);
    } else {
      if (!keyless) keyless = static_cast<int32_t>(t.round_robin++ % static_cast<uint32_t>(count));
      p = *keyless;
    }
    by_partition[static_cast<size_t>(p)].push_back(&r);
  }
  const size_t max_batch = static_cast<size_t>(options_.max_batch_bytes);
  for (int32_t p = 0; p < count; ++p) {
    const auto& list = by_partition[static_cast<size_t>(p)];
    size_t first = 0;
    size_t bytes = 0;
    for (size_t i = 0; i <= list.size(); ++i) {
      const size_t size = i < list.size() ? record_size(*list[i]) + 16 : 0;
      if (i == list.size() || (i > first && bytes + size > max_batch)) {
        if (i > first) {
          batches.push_back(encode_batch(p, std::span<const Record* const>(list.data() + first, i - first),
                                         options_.compression, options_.lz4_acceleration));
        }
        first = i;
        bytes = 0;
      }
      bytes += size;
    }
  }
  return ok_status();
}

Status EmbeddedLog::append(std::string_view topic_name, std::span<const Record> records,
                           const SourceCheckpoint* checkpoint, std::optional<int32_t> partition) {
  if (records.empty() && checkpoint == nullptr) return ok_status();
  auto t = topic(topic_name, options_.default_partitions);
  if (!t) return t.status();
  std::vector<EncodedBatch> batches;
  if (Status s = encode(**t, records, partition, batches); !s) return s;
  {
    std::lock_guard lock((*t)->write_mu);
    if (Status s = (*t)->writer->append(batches, checkpoint); !s) return s;
    maybe_enforce_retention(**t);
  }
  {
    std::lock_guard lock(notify_mu_);
    ++append_seq_;
  }
  appended_.notify_all();
  return ok_status();
}

void EmbeddedLog::maybe_enforce_retention(Topic& t) {
  if (options_.retention_bytes < 0 && options_.retention_ms < 0) return;
  const int64_t now = now_ms();
  if (now - t.last_retention_ms < options_.retention_check_interval_ms) return;
  t.last_retention_ms = now;
  // A failure here leaves the batches for the next round; the append stands.
  (void)t.writer->enforce_retention(now, options_.retention_bytes, options_.retention_ms);
}

Result<int64_t> EmbeddedLog::enforce_retention(int64_t now_ms) {
  std::vector<std::shared_ptr<Topic>> open_topics;
  {
    std::lock_guard lock(topics_mu_);
    for (auto& [name, t] : topics_) open_topics.push_back(t);
  }
  int64_t deleted = 0;
  for (const auto& t : open_topics) {
    std::lock_guard lock(t->write_mu);
    auto n = t->writer->enforce_retention(now_ms, options_.retention_bytes, options_.retention_ms);
    if (!n) return n.status();
    deleted += *n;
    t->last_retention_ms = now_ms;
  }
  return deleted;
}

Result<PolledBatch> EmbeddedLog::read(std::string_view name, int32_t partition, int64_t from_offset, size_t max_records,
                                      size_t max_bytes) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->read_mu);
  auto reader = shared_reader(**t);
  if (!reader) return reader.status();
  PolledBatch out;
  out.topic = std::string(name);
  if (Status s = (*reader)->read(partition, from_offset, max_records, max_bytes, out); !s) {
    return s;
  }
  return out;
}

Result<OffsetMap> EmbeddedLog::committed(std::string_view name, std::string_view group) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->write_mu);
  return (*t)->writer->group_offsets(group);
}

Status EmbeddedLog::commit(std::string_view name, std::string_view group, const OffsetMap& next_offsets) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->write_mu);
  return (*t)->writer->commit_group(group, next_offsets);
}

Result<std::optional<std::string>> EmbeddedLog::load_checkpoint(std::string_view name, std::string_view source) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->write_mu);
  auto stored = (*t)->writer->load_checkpoint(source);
  if (!stored) return stored.status();
  if (!*stored) return std::optional<std::string>();
  return std::optional<std::string>((*stored)->position);
}

Result<std::optional<std::string>> EmbeddedLog::load_checkpoint(std::string_view source) {
  auto names = list_topics();
  if (!names) return names.status();
  std::optional<TopicStore::StoredCheckpoint> latest;
  for (const auto& name : *names) {
    auto t = topic(name, 0);
    if (!t) return t.status();
    std::lock_guard lock((*t)->write_mu);
    auto stored = (*t)->writer->load_checkpoint(source);
    if (!stored) return stored.status();
    if (*stored && (!latest || (*stored)->updated_ms >= latest->updated_ms)) latest = **stored;
  }
  if (!latest) return std::optional<std::string>();
  return std::optional<std::string>(std::move(latest->position));
}

Result<std::vector<StoredSourcePosition>> EmbeddedLog::list_checkpoints() {
  auto names = list_topics();
  if (!names) return names.status();
  std::vector<StoredSourcePosition> out;
  for (const auto& name : *names) {
    auto t = topic(name, 0);
    if (!t) return t.status();
    std::lock_guard lock((*t)->write_mu);
    auto stored = (*t)->writer->list_checkpoints();
    if (!stored) return stored.status();
    for (auto& [source, checkpoint] : *stored) {
      out.push_back({source, name, std::move(checkpoint.position), checkpoint.updated_ms});
    }
  }
  return out;
}

Status EmbeddedLog::reset_checkpoint(std::string_view name, std::string_view source,
                                     const std::optional<std::string>& position) {
  auto t = topic(name, 0);  // an existing topic only: a reset creates none
  if (!t) return t.status();
  if (position) {
    const SourceCheckpoint checkpoint{std::string(source), *position};
    return append(name, {}, &checkpoint);
  }
  std::lock_guard lock((*t)->write_mu);
  return (*t)->writer->delete_checkpoint(source);
}

Status EmbeddedLog::checkpoint_wal(std::string_view name) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  std::lock_guard lock((*t)->write_mu);
  return (*t)->writer->checkpoint_wal();
}

Result<std::unique_ptr<TopicStore>> EmbeddedLog::open_reader(std::string_view name) {
  auto t = topic(name, 0);
  if (!t) return t.status();
  return TopicStore::open(topic_path(name), options_, 0);
}

uint64_t EmbeddedLog::append_sequence() const {
  std::lock_guard lock(notify_mu_);
  return append_seq_;
}

bool EmbeddedLog::wait_for_append(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(notify_mu_);
  return appended_.wait_for(lock, timeout, [&] { return append_seq_ != seen; });
}

}  // namespace kascade
