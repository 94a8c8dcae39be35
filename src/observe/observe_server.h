// observe/observe_server.h: the HTTP endpoint of the pipeline roles (`run`, `ingest`, `process`, `schedule` with
// --http-port or observe.http_port): /healthz, /readyz and /metrics of the Pipeline running in this process.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/result.h"
#include "pipeline/pipeline.h"

namespace kascade {

// GET /healthz: 200 while the command runs. GET /readyz: 200 when a run is in progress, its bus answers, its
// store took its last write and, in a Kafka consumer group, it holds partitions; else 503 with the failing checks
// ({"ready":false,"checks":{"bus":"...","store":"ok",...}}). GET /metrics: Prometheus text 0.0.4
// (observe/pipeline_metrics.h, observe/process_stats.h).
class ObserveServer {
 public:
  // `config`: the command's config (the bus to ask for end offsets, observe.http_address); `role` the runs' role.
  ObserveServer(const Config& config, PipelineRole role);
  ~ObserveServer();
  ObserveServer(const ObserveServer&) = delete;
  ObserveServer& operator=(const ObserveServer&) = delete;

  // Binds observe.http_address:`port` and serves on a background thread; returns the bound port.
  Result<int> start(int port);
  void stop();

  // The run now in progress (nullptr: none). Detaching one keeps its totals: the counters go on from them.
  // `pipeline` must stay alive until it is detached.
  void attach(const Pipeline* pipeline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kascade
