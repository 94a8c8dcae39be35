// app/generate_command.cc: `kascade generate`: the generator's users on stdout, without a pipeline.
#include <fmt/format.h>

#include <cstdio>

#include "app/commands.h"
#include "sources/generator/randomuser_generator.h"

namespace kascade {

int generate_command(const GenerateArgs& args) {
  if (args.format != "json" && args.format != "keys") {
    return report_failure("generate", usage_error(fmt::format("unknown format '{}' (json or keys)", args.format)));
  }
  RandomUserGenerator generator(GeneratorOptions{.seed = args.seed, .malformed_ratio = args.malformed_ratio});
  std::string out;
  for (uint64_t index = args.start; index < args.start + args.records; ++index) {
    if (args.format == "keys") {
      // The record key, and the malformation the pipeline will dead-letter, if any.
      const auto kind = generator.malformed_kind(index);
      out += generator.record(index, 0).key;
      if (kind) fmt::format_to(std::back_inserter(out), "\t{}", malformed_kind_name(*kind));
    } else {
      out += generator.record(index, 0).value;  // NDJSON: one API user object per line
    }
    out += '\n';
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kExitOk : kExitFailure;
}

}  // namespace kascade
