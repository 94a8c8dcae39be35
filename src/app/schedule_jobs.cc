// app/schedule_jobs.cc: `kascade jobs ls`: the scheduled runs of a data dir (<data_dir>/jobs.db), a run whose
// scheduler is gone shown as interrupted.
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/tabular_output.h"
#include "core/timestamp.h"
#include "pipeline/pipeline_config.h"
#include "schedule/job_history.h"

namespace kascade {

int jobs_list_command(const JobsArgs& args) {
  auto config = load_pipeline_config(args.config_file, args.data_dir, args.overrides);
  auto format = parse_output_format(args.format);
  if (!config || !format) return report_failure("jobs", !config ? config.error() : format.error());
  ResultTable table{
      {"id", "job", "run", "started_at", "ended_at", "records", "rows", "dead_letters", "outcome", "reason"}, {}};
  const std::string path = job_history_file(config->data_dir);
  if (std::filesystem::exists(path)) {
    JobHistory history;
    if (auto status = history.open_read_only(path); !status) return report_failure("jobs", status.error());
    auto runs = history.list(args.job.empty() ? std::nullopt : std::optional<std::string>(args.job));
    if (!runs) return report_failure("jobs", runs.error());
    for (const JobRun& stored : *runs) {
      const JobRun run = as_seen(stored, is_alive);
      table.rows.push_back({run.id, run.job, run.run ? Cell(*run.run) : Cell(), format_iso8601_ms(run.started_at_ms),
                            run.ended_at_ms ? Cell(format_iso8601_ms(*run.ended_at_ms)) : Cell(), run.counts.records,
                            run.counts.rows, run.counts.dead_letters, run.outcome, run.reason});
    }
  }
  print_table(std::cout, table, *format);
  return kExitOk;
}

}  // namespace kascade
