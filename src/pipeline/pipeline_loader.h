// pipeline/pipeline_loader.h: the `table` and `transforms` of a config file -> a compiled TransformProgram.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "process/transforms/program.h"

namespace kascade {

// A compiled pipeline spec, or none: a config without `transforms` runs the
// built-in flagship mapping (process/users_mapping.h).
using PipelineProgram = std::shared_ptr<const transforms::TransformProgram>;

// Every problem of the spec, each "file:line:col: transforms[2].map.adress: what";
// empty if it compiles.
std::vector<std::string> check_pipeline_spec_text(const std::string& text, const std::string& origin);

// Compiles the spec; an Errc::config error lists every problem, one per line.
Result<PipelineProgram> load_pipeline_spec_text(const std::string& text, const std::string& origin);
Result<PipelineProgram> load_pipeline_spec_file(const std::filesystem::path& file);

}  // namespace kascade
