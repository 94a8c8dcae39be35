// app/inspect_commands.cc: `kascade topics` and `kascade lag` on the configured bus.
#include <fmt/format.h>

#include <iostream>

#include "app/bus_tables.h"
#include "app/commands.h"
#include "app/tabular_output.h"
#include "pipeline/bus_factory.h"
#include "pipeline/pipeline_config.h"

namespace kascade {
namespace {

struct Inspection {
  Config config;
  OutputFormat format;
  std::unique_ptr<Bus> bus;
};

// Loads the config and opens the bus; prints the error and sets exit_code on failure.
std::optional<Inspection> open_inspection(const InspectArgs& args, const char* command, int& exit_code) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
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
  // Every batch is verified (reading the whole log): a corrupt one is shown and fails the command.
  std::vector<CorruptBatch> corrupt;
  auto table = topics_table(*inspection->bus, VerifyDepth::every, &corrupt);
  if (!table) return report_failure("topics", table.error());
  print_table(std::cout, *table, inspection->format);
  if (!corrupt.empty()) return report_failure("topics", corruption_error(corrupt));
  return kExitOk;
}

int lag_command(const InspectArgs& args) {
  int exit_code = kExitOk;
  auto inspection = open_inspection(args, "lag", exit_code);
  if (!inspection) return exit_code;
  const std::string group = args.group.empty() ? inspection->config.processor.group : args.group;
  const std::string& topic = inspection->config.bus.topic;
  if (!args.group.empty()) {  // a group asked for by name must exist: a typo is not "everything lags"
    auto committed = inspection->bus->committed(topic, group);
    if (!committed) return report_failure("lag", committed.error());
    if (committed->empty()) {
      return report_failure(
          "lag", Error::make(Errc::not_found, fmt::format("--group {}: no such group on topic '{}' (it has "
                                                          "committed no offset; `kascade lag` lists the configured "
                                                          "group, processor.group)",
                                                          group, topic)));
    }
  }
  auto table = lag_table(*inspection->bus, topic, group);
  if (!table) return report_failure("lag", table.error());
  print_table(std::cout, *table, inspection->format);
  return kExitOk;
}

}  // namespace kascade
