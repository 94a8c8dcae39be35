// app/source_factory.cc: every built-in source, registered here.
#include "app/source_factory.h"

#include <fmt/format.h>

#include "sources/generator/generator_source.h"

namespace kascade {

Result<std::unique_ptr<Source>> make_source(const Config& config) {
  if (config.source.type == "generator") {
    GeneratorOptions options{.seed = config.source.seed, .malformed_ratio = config.source.malformed_ratio};
    std::optional<uint64_t> bound;
    if (config.source.records > 0) bound = static_cast<uint64_t>(config.source.records);
    return std::unique_ptr<Source>(std::make_unique<GeneratorSource>(options, config.source.name, bound));
  }
  return Error::make(Errc::config, fmt::format("source.type: unknown source '{}'", config.source.type));
}

}  // namespace kascade
