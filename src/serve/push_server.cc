// serve/push_server.cc: request parsing, idempotency, back-pressure and metrics of push ingest.
#include "serve/push_server.h"

#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/json_append.h"
#include "core/timestamp.h"
#include "serve/dashboard_page.h"

namespace kascade {
namespace {

// `text` on one line (a Prometheus comment): control characters become spaces.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

// A key as text: strings as they are, other scalars as written, anything else "".
std::string key_text(simdjson::dom::element element) {
  if (element.is_string()) return std::string(element.get_string().value_unsafe());
  if (element.is_int64()) return std::to_string(element.get_int64().value_unsafe());
  if (element.is_uint64()) return std::to_string(element.get_uint64().value_unsafe());
  return {};
}

struct BadRecord {
  size_t index;
  std::string reason;
};

// Checks one element (full DOM validation) and makes the record; its bytes are kept as sent.
std::optional<BadRecord> add_record(simdjson::dom::parser& parser, std::string_view raw, size_t index,
                                    const std::string& key_pointer, int64_t now, std::vector<Record>& out) {
  simdjson::padded_string padded(raw);
  simdjson::dom::element element;
  if (auto error = parser.parse(padded).get(element)) return BadRecord{index, simdjson::error_message(error)};
  if (!element.is_object()) return BadRecord{index, "not a JSON object"};
  Record record;
  simdjson::dom::element key;
  if (!key_pointer.empty() && element.at_pointer(key_pointer).get(key) == simdjson::SUCCESS) record.key = key_text(key);
  record.value = std::string(raw);
  record.headers = {{"source", "push"}, {"fetched_at", std::to_string(now)}};
  record.timestamp_ms = now;
  out.push_back(std::move(record));
  return std::nullopt;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' || text.front() == '\n'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

// NDJSON: one object per non-empty line.
std::optional<BadRecord> parse_ndjson(std::string_view body, const std::string& key_pointer, int64_t now,
                                      std::vector<Record>& out) {
  simdjson::dom::parser parser;
  size_t index = 0;
  while (!body.empty()) {
    const size_t end = body.find('\n');
    const std::string_view line = trim(body.substr(0, end));
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    if (line.empty()) continue;
    if (auto bad = add_record(parser, line, index++, key_pointer, now, out)) return bad;
  }
  return std::nullopt;
}

// A JSON array: On-Demand finds each element's bytes, the DOM then validates each one fully.
std::optional<BadRecord> parse_array(const std::string& body, const std::string& key_pointer, int64_t now,
                                     std::vector<Record>& out) {
  simdjson::padded_string padded(body);
  simdjson::ondemand::parser ondemand;
  simdjson::dom::parser dom;
  simdjson::ondemand::document doc;
  if (auto error = ondemand.iterate(padded).get(doc)) return BadRecord{0, simdjson::error_message(error)};
  simdjson::ondemand::array array;
  if (doc.get_array().get(array) != simdjson::SUCCESS) return BadRecord{0, "the body is not a JSON array"};
  size_t index = 0;
  for (auto element : array) {
    simdjson::ondemand::value value;
    if (auto error = element.get(value)) return BadRecord{index, simdjson::error_message(error)};
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return BadRecord{index, "not a JSON object"};
    std::string_view raw;
    if (auto error = object.raw_json().get(raw)) return BadRecord{index, simdjson::error_message(error)};
    if (auto bad = add_record(dom, raw, index, key_pointer, now, out)) return bad;
    ++index;
  }
  return std::nullopt;
}

}  // namespace

struct PushServer::Impl {
  PushServerOptions options;
  Bus& bus;
  httplib::Server server;
  std::thread listener;
  std::atomic<int64_t> in_flight{0};
  std::atomic<uint64_t> records_total{0};

  std::mutex producer_mutex;  // the producer is used by one request at a time
  std::unique_ptr<Producer> producer;

  std::mutex topics_mutex;
  std::map<std::string, bool, std::less<>> created_topics;

  // Requests with the same Idempotency-Key run one after the other, so the
  // second sees the first's checkpoint. Entries live while someone holds them.
  struct KeyLock {
    std::mutex mutex;
    int users = 0;
  };
  std::mutex key_locks_mutex;
  std::map<std::string, KeyLock> key_locks;

  std::mutex metrics_mutex;
  std::map<int, uint64_t> requests_by_code;

  struct JsonRoute {
    std::string path;
    std::function<Result<std::string>()> body;
  };
  std::vector<JsonRoute> json_routes;
  std::vector<std::function<Result<std::string>()>> extra_metrics;

  Impl(PushServerOptions o, Bus& b) : options(std::move(o)), bus(b) {}

  KeyLock& acquire_key(const std::string& key) {
    KeyLock* lock;
    {
      std::lock_guard guard(key_locks_mutex);
      lock = &key_locks[key];
      ++lock->users;
    }
    lock->mutex.lock();
    return *lock;
  }
  void release_key(const std::string& key, KeyLock& lock) {
    lock.mutex.unlock();
    std::lock_guard guard(key_locks_mutex);
    if (--lock.users == 0) key_locks.erase(key);
  }

  Status ensure_topic(const std::string& topic) {
    std::lock_guard guard(topics_mutex);
    if (created_topics.count(topic)) return Status{};
    Status status = bus.create_topic(topic, options.partitions);
    if (status) created_topics[topic] = true;
    return status;
  }

  void answer(httplib::Response& res, int code, const std::string& body) {
    res.status = code;
    res.set_content(body, "application/json");
    std::lock_guard guard(metrics_mutex);
    ++requests_by_code[code];
  }

  void handle_push(const httplib::Request& req, httplib::Response& res) {
    // Back-pressure: beyond max_in_flight, ask the client to come back.
    if (in_flight.fetch_add(1) >= options.max_in_flight) {
      in_flight.fetch_sub(1);
      res.set_header("Retry-After", "1");
      answer(res, 429, R"({"error":"too many requests in flight"})");
      return;
    }
    push(req, res);
    in_flight.fetch_sub(1);
  }

  void push(const httplib::Request& req, httplib::Response& res) {
    const std::string topic = req.matches[1];
    if (static_cast<int64_t>(req.body.size()) > options.max_request_bytes) {
      answer(res, 413, R"({"error":"request body too large"})");
      return;
    }
    const std::string type = req.get_header_value("Content-Type");
    const int64_t now = now_ms();
    std::vector<Record> records;
    std::optional<BadRecord> bad;
    if (type.starts_with("application/x-ndjson")) {
      bad = parse_ndjson(req.body, options.key_pointer, now, records);
    } else if (type.starts_with("application/json")) {
      bad = parse_array(req.body, options.key_pointer, now, records);
    } else {
      answer(res, 415, R"({"error":"Content-Type must be application/json or application/x-ndjson"})");
      return;
    }
    if (bad) {
      answer(res, 400, fmt::format(R"({{"error":{},"index":{}}})", json_append::quoted(bad->reason), bad->index));
      return;
    }
    if (Status status = ensure_topic(topic); !status) {
      answer(res, 500, fmt::format(R"({{"error":{}}})", json_append::quoted(status.message())));
      return;
    }

    const std::string idempotency_key = req.get_header_value("Idempotency-Key");
    if (idempotency_key.empty()) {
      send(res, topic, records, nullptr);
      return;
    }
    SourceCheckpoint checkpoint{fmt::format("idempotency/{}/{}", topic, idempotency_key), std::to_string(records.size())};
    KeyLock& lock = acquire_key(checkpoint.source);
    Result<std::optional<std::string>> seen = [&] {
      std::lock_guard guard(producer_mutex);
      return producer->load_checkpoint(topic, checkpoint.source);
    }();
    if (!seen) {
      answer(res, 500, fmt::format(R"({{"error":{}}})", json_append::quoted(seen.error().message)));
    } else if (seen->has_value()) {
      answer(res, 200, fmt::format(R"({{"accepted":{},"duplicate":true}})", **seen));
    } else {
      send(res, topic, records, &checkpoint);
    }
    release_key(checkpoint.source, lock);
  }

  void send(httplib::Response& res, const std::string& topic, const std::vector<Record>& records,
            const SourceCheckpoint* checkpoint) {
    Status status;
    {
      std::lock_guard guard(producer_mutex);
      status = producer->send(topic, records, checkpoint);
    }
    if (!status) {
      answer(res, 503, fmt::format(R"({{"error":{}}})", json_append::quoted(status.message())));
      return;
    }
    records_total += records.size();
    answer(res, 200, fmt::format(R"({{"accepted":{}}})", records.size()));
  }

  std::string metrics_text() {
    std::string out;
    out += "# TYPE kascade_push_records_total counter\n";
    out += fmt::format("kascade_push_records_total {}\n", records_total.load());
    out += "# TYPE kascade_push_requests_total counter\n";
    {
      std::lock_guard guard(metrics_mutex);
      for (const auto& [code, count] : requests_by_code) {
        out += fmt::format("kascade_push_requests_total{{code=\"{}\"}} {}\n", code, count);
      }
    }
    for (const auto& metrics : extra_metrics) {
      auto text = metrics();
      out += text ? *text : fmt::format("# unavailable: {}\n", one_line(text.error().message));
    }
    return out;
  }
};

PushServer::PushServer(PushServerOptions options, Bus& bus) : impl_(std::make_unique<Impl>(std::move(options), bus)) {}

PushServer::~PushServer() { stop(); }

Result<int> PushServer::start() {
  Impl& impl = *impl_;
  auto producer = impl.bus.open_producer();
  if (!producer) return producer.error();
  impl.producer = std::move(*producer);

  // More workers than max_in_flight, so the extra requests get a quick 429
  // instead of waiting in the accept queue.
  const size_t workers = static_cast<size_t>(impl.options.max_in_flight) + 4;
  impl.server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // A larger body is answered 413 by cpp-httplib before it is read.
  impl.server.set_payload_max_length(static_cast<size_t>(impl.options.max_request_bytes));
  const std::string push_path = R"(/v1/topics/([A-Za-z0-9._-]+)/records)";
  impl.server.Post(push_path,
                   [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle_push(req, res); });
  impl.server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(dashboard_page().data(), dashboard_page().size(), "text/html; charset=utf-8");
  });
  for (const auto& route : impl.json_routes) {
    impl.server.Get(route.path, [&route](const httplib::Request&, httplib::Response& res) {
      auto body = route.body();
      res.set_header("Cache-Control", "no-store");
      if (!body) {
        res.status = 503;
        res.set_content(fmt::format(R"({{"error":{}}})", json_append::quoted(body.error().message)), "application/json");
        return;
      }
      res.set_content(*body, "application/json");
    });
  }
  impl.server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  impl.server.Get("/metrics", [&impl](const httplib::Request&, httplib::Response& res) {
    res.set_content(impl.metrics_text(), "text/plain; version=0.0.4");
  });
  // A known path asked with the wrong method: 405 and what it allows (cpp-httplib would say 404).
  auto not_allowed = [](const char* allow) {
    return [allow](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", allow);
      res.set_content(fmt::format(R"({{"error":"method not allowed; use {}"}})", allow), "application/json");
    };
  };
  impl.server.Get(push_path, not_allowed("POST"));
  impl.server.Put(push_path, not_allowed("POST"));
  impl.server.Delete(push_path, not_allowed("POST"));
  impl.server.Patch(push_path, not_allowed("POST"));
  std::vector<std::string> get_paths = {"/", "/healthz", "/metrics"};
  for (const auto& route : impl.json_routes) get_paths.push_back(route.path);
  for (const auto& path : get_paths) {
    impl.server.Post(path, not_allowed("GET"));
    impl.server.Put(path, not_allowed("GET"));
    impl.server.Delete(path, not_allowed("GET"));
    impl.server.Patch(path, not_allowed("GET"));
  }
  impl.server.set_error_handler([&impl](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) {
      std::lock_guard guard(impl.metrics_mutex);
      ++impl.requests_by_code[413];
    }
  });

  int port = impl.options.port;
  if (port == 0) {
    port = impl.server.bind_to_any_port(impl.options.host);
  } else if (!impl.server.bind_to_port(impl.options.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return Error::make(Errc::unavailable, fmt::format("cannot listen on {}:{}", impl.options.host, impl.options.port));
  }
  impl.listener = std::thread([&impl] { impl.server.listen_after_bind(); });
  return port;
}

void PushServer::stop() {
  if (!impl_->listener.joinable()) return;
  impl_->server.stop();
  impl_->listener.join();
}

void PushServer::add_json_route(std::string path, std::function<Result<std::string>()> body) {
  impl_->json_routes.push_back({std::move(path), std::move(body)});
}

void PushServer::add_metrics(std::function<Result<std::string>()> metrics) {
  impl_->extra_metrics.push_back(std::move(metrics));
}

uint64_t PushServer::records_accepted() const { return impl_->records_total.load(); }

}  // namespace kascade
