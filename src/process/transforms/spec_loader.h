// process/transforms/spec_loader.h: the `table` and `transforms` of a config file -> a compiled TransformProgram.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "process/transforms/program.h"

namespace kascade {

// A compiled pipeline spec, or none: a config without `transforms` runs the
// flagship pipeline (configs/flagship.yaml, embedded: flagship_program()).
using PipelineProgram = std::shared_ptr<const transforms::TransformProgram>;

// Every problem of the spec, each "file:line:col: transforms[2].map.adress: what";
// empty if it compiles.
std::vector<std::string> check_pipeline_spec_text(const std::string& text, const std::string& origin);

// Compiles the spec; an Errc::config error lists every problem, one per line.
Result<PipelineProgram> load_pipeline_spec_text(const std::string& text, const std::string& origin);
Result<PipelineProgram> load_pipeline_spec_file(const std::filesystem::path& file);

// configs/flagship.yaml as embedded at build time, compiled once (errors name
// "configs/flagship.yaml:LINE:COL"). Never null when ok.
Result<PipelineProgram> flagship_program();

// The program a command runs: the spec of `config_file`, or the flagship
// program when there is no file or the file has no `table`/`transforms`.
// Never null when ok.
Result<PipelineProgram> load_pipeline_program(const std::filesystem::path& config_file);

}  // namespace kascade
