// app/sources_command.cc: `kascade sources ls | reset`: the positions sources stored on the bus.
#include <fmt/format.h>

#include <iostream>

#include "app/commands.h"
#include "app/tabular_output.h"
#include "core/timestamp.h"
#include "core/topic_name.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline_config.h"

namespace kascade {
namespace {

// `kascade serve` keeps its idempotency keys as checkpoints too; they are not sources.
bool is_source(const StoredSourcePosition& entry) { return !entry.source.starts_with("idempotency/"); }

struct Opened {
  Config config;
  std::unique_ptr<Bus> bus;
  std::unique_ptr<Producer> producer;
};

Result<Opened> open_positions(const SourcesArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  if (!config) return config.error();
  auto bus = open_bus(*config, BusUse::inspect);
  if (!bus) return bus.error();
  auto producer = (*bus)->open_producer();
  if (!producer) return producer.error();
  return Opened{std::move(*config), std::move(*bus), std::move(*producer)};
}

}  // namespace

int sources_list_command(const SourcesArgs& args) {
  auto format = parse_output_format(args.format);
  if (!format) return report_failure("sources", format.error());
  auto opened = open_positions(args);
  if (!opened) return report_failure("sources", opened.error());
  auto positions = opened->producer->list_checkpoints();
  if (!positions) return report_failure("sources", positions.error());
  ResultTable table{{"source", "topic", "position", "updated_at"}, {}};
  for (const StoredSourcePosition& entry : *positions) {
    if (!is_source(entry)) continue;
    table.rows.push_back({entry.source, entry.topic.empty() ? Cell() : Cell(entry.topic), entry.position,
                          entry.updated_ms ? Cell(format_iso8601_ms(*entry.updated_ms)) : Cell()});
  }
  print_table(std::cout, table, *format);
  return kExitOk;
}

int sources_reset_command(const SourcesArgs& args) {
  if (!args.topic.empty()) {
    if (Status status = check_topic_name(args.topic); !status) {
      return report_failure("sources", usage_error("--topic: " + status.message()));
    }
  }
  auto opened = open_positions(args);
  if (!opened) return report_failure("sources", opened.error());
  const std::string topic = args.topic.empty() ? opened->config.bus.topic : args.topic;
  auto before = opened->producer->load_checkpoint(topic, args.name);
  if (!before) return report_failure("sources", before.error());
  if (auto status = opened->producer->reset_checkpoint(topic, args.name, args.to); !status) {
    return report_failure("sources", status.error());
  }
  fmt::print("kascade sources: source '{}' on topic '{}': position {} -> {}\n", args.name, topic,
             *before ? fmt::format("'{}'", **before) : std::string("(none: the start)"),
             args.to ? fmt::format("'{}'", *args.to) : std::string("(none: the start)"));
  return kExitOk;
}

}  // namespace kascade
