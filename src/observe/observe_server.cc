// observe/observe_server.cc: /healthz, /readyz and /metrics of a pipeline role, over cpp-httplib under the same
// per-connection guard as `kascade serve`.
#include "observe/observe_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "core/json_append.h"
#include "observe/pipeline_metrics.h"
#include "observe/process_stats.h"
#include "pipeline/bus_factory.h"
#include "serve/connection_guard.h"

namespace kascade {
namespace {

// A readiness or scrape question to the bus waits at most this long (a broker that is down answers nothing).
constexpr int64_t kBusQuestionTimeoutMs = 2000;

bool consumes(PipelineRole role) { return role != PipelineRole::ingest; }

}  // namespace

struct ObserveServer::Impl {
  Impl(const Config& c, PipelineRole r) : config(c), role(r), guard(ConnectionLimits{.max_connections = 16}) {
    config.bus.kafka.request_timeout_ms = std::min(config.bus.kafka.request_timeout_ms, kBusQuestionTimeoutMs);
  }

  Config config;
  PipelineRole role;
  ConnectionGuard guard;
  std::unique_ptr<httplib::Server> server;
  std::thread listener;

  std::mutex pipeline_mutex;
  const Pipeline* pipeline = nullptr;
  PipelineTotals carried;  // of the runs already detached

  std::mutex bus_mutex;  // one question to the bus at a time
  std::unique_ptr<Bus> bus;

  // The topic's partitions and end offsets, through a bus of the endpoint's own (opened at first use, again after
  // a failure: the broker may have been down).
  Result<TopicInfo> describe_topic() {
    std::lock_guard lock(bus_mutex);
    if (!bus) {
      auto opened = open_bus(config, BusUse::inspect);
      if (!opened) return opened.error();
      bus = std::move(*opened);
    }
    auto info = bus->describe(config.bus.topic);
    if (!info) bus.reset();
    return info;
  }

  std::string metrics() {
    PipelineGauges gauges{
        .consumes = consumes(role), .group_name = config.processor.group, .topic_name = config.bus.topic};
    PipelineTotals totals;
    {
      std::lock_guard lock(pipeline_mutex);
      totals = carried;
      if (pipeline) {
        const PipelineCounters& counters = pipeline->counters();
        totals += PipelineTotals::of(counters);
        gauges.sink_in_flight = counters.sink_in_flight;
        gauges.window_groups = counters.window_groups;
        gauges.group = counters.group.snapshot();
      }
    }
    if (gauges.consumes) {
      if (auto info = describe_topic()) gauges.topic = std::move(*info);
    }
    return pipeline_metrics_text(totals, gauges) + process_metrics_text();
  }

  // Each check's verdict: "ok" or why not.
  std::pair<bool, std::string> readiness() {
    std::vector<std::pair<std::string, std::string>> checks;
    bool running = false, sink_ready = false;
    std::optional<std::set<int32_t>> assigned;
    {
      std::lock_guard lock(pipeline_mutex);
      if (pipeline) {
        running = true;
        sink_ready = pipeline->counters().sink_ready;
        assigned = pipeline->counters().group.snapshot().assigned;
      }
    }
    checks.emplace_back("run", running ? "ok" : "no run in progress");
    auto info = describe_topic();
    checks.emplace_back("bus", info ? "ok" : info.error().message);
    if (consumes(role)) {
      checks.emplace_back("store", sink_ready ? "ok" : "the store is not open, or its last write failed");
      if (config.bus.type == BusType::kafka) {
        checks.emplace_back("partitions", assigned && !assigned->empty()
                                              ? "ok"
                                              : fmt::format("no partition of '{}' assigned to this member of '{}'",
                                                            config.bus.topic, config.processor.group));
      }
    }
    bool ready = true;
    std::string body = "{\"checks\":{";
    for (size_t i = 0; i < checks.size(); ++i) {
      ready = ready && checks[i].second == "ok";
      if (i) body += ',';
      json_append::append_string(body, checks[i].first);
      body += ':';
      json_append::append_string(body, checks[i].second);
    }
    body += fmt::format("}},\"ready\":{}}}", ready);
    return {ready, body};
  }
};

ObserveServer::ObserveServer(const Config& config, PipelineRole role) : impl_(std::make_unique<Impl>(config, role)) {}

ObserveServer::~ObserveServer() { stop(); }

Result<int> ObserveServer::start(int port) {
  Impl& impl = *impl_;
  impl.server = make_guarded_server(impl.guard, "", "");
  impl.server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"alive":true})", "application/json");
  });
  impl.server->Get("/readyz", [&impl](const httplib::Request&, httplib::Response& res) {
    auto [ready, body] = impl.readiness();
    res.status = ready ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body, "application/json");
  });
  impl.server->Get("/metrics", [&impl](const httplib::Request&, httplib::Response& res) {
    res.set_content(impl.metrics(), "text/plain; version=0.0.4");
  });
  const std::string& host = impl.config.observe.http_address;
  const int bound =
      port == 0 ? impl.server->bind_to_any_port(host) : (impl.server->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    return Error::make(Errc::unavailable, fmt::format("observe: cannot listen on {}:{}", host, port));
  }
  impl.listener = std::thread([&impl] { impl.server->listen_after_bind(); });
  return bound;
}

void ObserveServer::stop() {
  if (!impl_->listener.joinable()) return;
  impl_->server->stop();
  impl_->listener.join();
}

void ObserveServer::attach(const Pipeline* pipeline) {
  std::lock_guard lock(impl_->pipeline_mutex);
  if (impl_->pipeline) impl_->carried += PipelineTotals::of(impl_->pipeline->counters());
  impl_->pipeline = pipeline;
}

}  // namespace kascade
