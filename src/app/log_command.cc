// app/log_command.cc: `kascade log check | repair`: verify every batch of the embedded log; quarantine the corrupt
// ones.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/tabular_output.h"
#include "bus/embedded/embedded_bus.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline_config.h"

namespace kascade {
namespace {

// The embedded log of the config, and the topics to look at (all, or --topic).
struct LogTarget {
  std::unique_ptr<Bus> bus;
  EmbeddedLog* log = nullptr;
  std::vector<std::string> topics;
};

Result<LogTarget> open_target(const LogArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return config.error();
  if (config->bus.type != BusType::embedded) {
    return Error::make(Errc::config, fmt::format("bus.type: `kascade log` works on the embedded log, not on '{}'",
                                                 option_name(config->bus.type)));
  }
  auto bus = open_bus(*config, BusUse::inspect);
  if (!bus) return bus.error();
  LogTarget target;
  target.log = &dynamic_cast<EmbeddedBus&>(**bus).log();
  target.bus = std::move(*bus);
  if (!args.topic.empty()) {
    // A malformed --topic is a usage error (exit 2); a topic the data dir does not hold, a runtime one (1).
    if (Status s = EmbeddedLog::validate_topic_name(args.topic); !s) return usage_error(s.error());
    if (!std::filesystem::exists(target.log->topic_path(args.topic))) {
      return Error::make(Errc::not_found,
                         fmt::format("--topic: no topic '{}' in {}", args.topic, config->log_dir().string()));
    }
    target.topics.push_back(args.topic);
  } else {
    auto names = target.log->list_topics();
    if (!names) return names.error();
    target.topics = std::move(*names);
  }
  return target;
}

ResultTable batch_table(const std::vector<std::pair<std::string, CorruptBatch>>& batches) {
  ResultTable table{{"topic", "partition", "base_offset", "last_offset", "records", "reason", "file"}, {}};
  for (const auto& [topic, b] : batches) {
    table.rows.push_back(
        {topic, int64_t{b.partition}, b.base_offset, b.last_offset, int64_t{b.record_count}, b.reason, b.file});
  }
  return table;
}

}  // namespace

int log_check_command(const LogArgs& args) {
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("log check", format.error());
  auto target = open_target(args);
  if (!target) return report_failure("log check", target.error());
  std::vector<std::pair<std::string, CorruptBatch>> found;
  std::vector<CorruptBatch> all;
  for (const auto& topic : target->topics) {
    auto bad = target->log->verify(topic, VerifyDepth::every);
    if (!bad) return report_failure("log check", bad.error());
    for (const auto& b : *bad) found.emplace_back(topic, b);
    all.insert(all.end(), bad->begin(), bad->end());
  }
  print_table(std::cout, batch_table(found), *format);
  if (!all.empty()) return report_failure("log check", corruption_error(all));
  std::cerr << fmt::format("kascade log check: every batch of {} topic(s) verified\n", target->topics.size());
  return kExitOk;
}

int log_repair_command(const LogArgs& args) {
  auto target = open_target(args);
  if (!target) return report_failure("log repair", target.error());
  size_t quarantined = 0;
  for (const auto& topic : target->topics) {
    auto moved = target->log->quarantine(topic);
    if (!moved) return report_failure("log repair", moved.error());
    for (const auto& b : *moved) {
      std::cout << fmt::format(
          "topic {} partition {}: offsets {}-{} lost ({} records, {}); the batch is kept in table quarantined_batches "
          "of {}\n",
          topic, b.partition, b.base_offset, b.last_offset, b.record_count, b.reason, b.file);
    }
    quarantined += moved->size();
  }
  if (quarantined == 0) {
    std::cout << fmt::format("kascade log repair: no corrupt batch in {} topic(s); nothing changed\n",
                             target->topics.size());
    return kExitOk;
  }
  std::cout << fmt::format(
      "kascade log repair: quarantined {} batch(es); consumers now skip those offsets. A source whose stored position "
      "is past the lost records will not fetch them again: re-ingest them from their origin if they matter.\n",
      quarantined);
  return kExitOk;
}

}  // namespace kascade
