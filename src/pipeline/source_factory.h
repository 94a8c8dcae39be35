// pipeline/source_factory.h: config -> the configured Source (one registration point).
#pragma once

#include <memory>

#include "config/config.h"
#include "sources/source.h"

namespace kascade {

Result<std::unique_ptr<Source>> make_source(const Config& config);

}  // namespace kascade
