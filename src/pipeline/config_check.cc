// pipeline/config_check.cc: each option's inner syntax, parsed by the module that owns it.
#include "pipeline/config_check.h"

#include <fmt/format.h>

#include "bus/kafka/kafka_options.h"
#include "cql/session.h"
#include "process/windows/window_plan.h"
#include "sources/http/request_settings.h"

namespace kascade {
namespace {

// The error of `status` (a parser's), prefixed with where `path` was set and its name.
Status located(const Config& config, std::string_view path, const Status& status) {
  if (status) return status;
  return Error::make(Errc::config, fmt::format("{}: {}", config.option_location(path), status.message()));
}

template <typename T>
Status located(const Config& config, std::string_view path, const Result<T>& result) {
  return located(config, path, result ? ok_status() : Status(result.error()));
}

}  // namespace

Status check_option_syntax(const Config& config) {
  const WindowsConfig& w = config.windows;
  const HttpClientConfig& http = config.source.http;
  Status checks[] = {
      located(config, "windows.table", check_table_name(w.table)),
      located(config, "windows.event_time", check_field_name(w.event_time)),
      located(config, "windows.group_by", parse_group_by(w.group_by)),
      located(config, "windows.aggregates", parse_aggregates(w.aggregates)),
      located(config, "bus.kafka.properties", parse_kafka_properties(config.bus.kafka.properties)),
      located(config, "source.http.headers", parse_header_list(http.headers)),
      located(config, "source.http.allowed_origins", parse_origin_list(http.allowed_origins)),
      located(config, "store.cassandra.hosts", cql::parse_hosts(config.store.cassandra.hosts)),
  };
  for (Status& status : checks) {
    if (!status) return status;
  }
  if (config.source.type == SourceType::http) {
    auto pagination = parse_pagination(http.pagination);
    if (!pagination) return located(config, "source.http.pagination", pagination);
    if (Status status = located(config, "source.http.url", check_url_template(http.url, *pagination)); !status) {
      return status;
    }
  }
  return ok_status();
}

}  // namespace kascade
