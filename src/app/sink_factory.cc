// app/sink_factory.cc: every built-in sink, registered here.
#include "app/sink_factory.h"

#include <fmt/format.h>

#include "sinks/sqlite/sqlite_store.h"

namespace kascade {

Result<std::unique_ptr<Sink>> open_sink(const Config& config) {
  if (config.store.type == "sqlite") {
    auto store = SqliteStore::open({.path = config.store_path(),
                                    .sync_full = config.store.sync == "full",
                                    .cache_mb = static_cast<int>(config.store.cache_mb)});
    if (!store) return store.error();
    return std::unique_ptr<Sink>(std::move(*store));
  }
  return Error::make(Errc::config, fmt::format("store.type: unknown store '{}'", config.store.type));
}

}  // namespace kascade
