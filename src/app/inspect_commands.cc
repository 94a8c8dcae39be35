// app/inspect_commands.cc: `kascade topics` and `kascade lag` on the configured bus.
#include <iostream>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/pipeline_config.h"
#include "app/tabular_output.h"
#include "app/bus_factory.h"

namespace kascade {
namespace {

struct Inspection {
  Config config;
  OutputFormat format;
  std::unique_ptr<Bus> bus;
};

// Loads the config and opens the bus; prints the error and sets exit_code on failure.
std::optional<Inspection> open_inspection(const InspectArgs& args, const char* command, int& exit_code) {
  auto config = load_pipeline_config(args.config_file, args.data_dir);
  auto format = parse_output_format(args.format);
  if (!config || !format) {
    exit_code = report_failure(command, !config ? config.error() : format.error());
    return std::nullopt;
  }
  auto bus = open_bus(*config, BusUse::inspect);
  if (!bus) {
    exit_code = report_failure(command, bus.error());
    return std::nullopt;
  }
  return Inspection{std::move(*config), *format, std::move(*bus)};
}

}  // namespace

int topics_command(const InspectArgs& args) {
  int exit_code = kExitOk;
  auto inspection = open_inspection(args, "topics", exit_code);
  if (!inspection) return exit_code;
  auto topics = inspection->bus->list_topics();
  if (!topics) return report_failure("topics", topics.error());
  ResultTable table{{"topic", "partition", "start_offset", "end_offset", "records", "stored_bytes"}, {}};
  for (const auto& name : *topics) {
    auto info = inspection->bus->describe(name);
    if (!info) return report_failure("topics", info.error());
    for (const PartitionInfo& p : info->partitions) {
      table.rows.push_back({name, int64_t{p.partition}, p.start_offset, p.end_offset, p.end_offset - p.start_offset,
                            p.bytes});
    }
  }
  print_table(std::cout, table, inspection->format);
  return kExitOk;
}

int lag_command(const InspectArgs& args) {
  int exit_code = kExitOk;
  auto inspection = open_inspection(args, "lag", exit_code);
  if (!inspection) return exit_code;
  const std::string group = args.group.empty() ? inspection->config.processor.group : args.group;
  const std::string& topic = inspection->config.bus.topic;
  auto info = inspection->bus->describe(topic);
  auto committed = info ? inspection->bus->committed(topic, group) : Result<OffsetMap>(info.error());
  if (!committed) return report_failure("lag", committed.error());
  ResultTable table{{"group", "topic", "partition", "committed_offset", "end_offset", "lag"}, {}};
  for (const PartitionInfo& p : info->partitions) {
    auto it = committed->find(p.partition);
    Cell committed_cell = std::monostate{};
    int64_t from = p.start_offset;
    if (it != committed->end()) {
      committed_cell = it->second;
      from = std::max(it->second, p.start_offset);
    }
    table.rows.push_back({group, topic, int64_t{p.partition}, committed_cell, p.end_offset, p.end_offset - from});
  }
  print_table(std::cout, table, inspection->format);
  return kExitOk;
}

}  // namespace kascade
