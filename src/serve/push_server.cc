// serve/push_server.cc: the routes of `kascade serve`; push ingest's body reading, idempotency, back-pressure and
// metrics (the body's format in push_body.cc, the topics in topic_policy.cc).
#include "serve/push_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <map>
#include <mutex>
#include <thread>

#include "core/json_append.h"
#include "core/prometheus_text.h"
#include "core/timestamp.h"
#include "serve/dashboard_page.h"
#include "serve/push_body.h"
#include "serve/topic_policy.h"

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

// Bodies at least this large are followed by malloc_trim(0), so their memory goes back to the system.
constexpr size_t kTrimAfterBytes = 1 << 20;

std::string error_json(std::string_view message) {
  return fmt::format(R"({{"error":{}}})", json_append::quoted(message));
}

// The length a request announces (Content-Length), if it does.
std::optional<size_t> content_length(const httplib::Request& req) {
  const std::string text = req.get_header_value("Content-Length");
  size_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return length;
}

}  // namespace

struct PushServer::Impl {
  PushServerOptions options;
  Bus& bus;
  ConnectionGuard guard;  // deadlines and bounds of every connection
  std::unique_ptr<httplib::Server> owned_server;
  httplib::Server& server;
  AccessGate gate;  // Host check and bearer tokens, before a request's body is read
  std::thread listener;
  std::atomic<int64_t> in_flight{0};
  std::atomic<uint64_t> records_total{0};

  std::mutex producer_mutex;  // the producer is used by one request at a time
  std::unique_ptr<Producer> producer;

  TopicPolicy topics;
  KeyPointer key_pointer;
  PushBodyLimits body_limits;

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

  Impl(PushServerOptions o, Bus& b)
      : options(std::move(o)),
        bus(b),
        guard(options.limits),
        owned_server(make_guarded_server(guard, options.tls_cert_file, options.tls_key_file)),
        server(*owned_server),
        gate(options.tokens, allowed_host_names(options.allowed_hosts, options.host)),
        topics({.allowed = options.topics,
                .create_topics = options.create_topics,
                .max_topics = options.max_topics,
                .partitions = options.partitions},
               b),
        // A pointer that is not one selects no key, as a pointer leading nowhere would.
        key_pointer(parse_key_pointer(options.key_pointer).ok() ? *parse_key_pointer(options.key_pointer)
                                                                : KeyPointer{}),
        body_limits{.max_records = static_cast<size_t>(options.max_request_records)} {}

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

  void answer(httplib::Response& res, int code, const std::string& body) {
    res.status = code;
    res.set_content(body, "application/json");
    std::lock_guard guard(metrics_mutex);
    ++requests_by_code[code];
  }

  void handle_push(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
    // Back-pressure: beyond max_in_flight, ask the client to come back.
    if (in_flight.fetch_add(1) >= options.max_in_flight) {
      in_flight.fetch_sub(1);
      res.set_header("Retry-After", "1");
      answer(res, 429, R"({"error":"too many requests in flight"})");
      discard_body(res, read);
      return;
    }
    bool body_read = false;
    const size_t body_bytes = push(req, res, read, body_read);
    in_flight.fetch_sub(1);
    if (!body_read) discard_body(res, read);
    // The body, its records and their encoding are freed by now; glibc keeps freed memory in
    // its arenas (one per thread) unless asked to give it back.
    if (body_bytes >= kTrimAfterBytes) malloc_trim(0);
  }

  // A request refused before its body was read: the body is read and dropped (at most
  // max_request_bytes; beyond it the connection is closed), so the client can send it all and
  // read the answer, and nothing of it is taken for the next request on the connection.
  void discard_body(httplib::Response& res, const httplib::ContentReader& read) {
    const auto limit = static_cast<size_t>(options.max_request_bytes);
    size_t seen = 0;
    const int status = res.status;  // a failed read sets its own
    if (!read([&](const char*, size_t size) { return (seen += size) <= limit; })) {
      res.set_header("Connection", "close");
    }
    res.status = status;
  }

  // Reads the body (at most max_request_bytes) into `body`; false once it has answered.
  bool read_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
                 std::string& body) {
    const auto limit = static_cast<size_t>(options.max_request_bytes);
    if (auto length = content_length(req); length && *length <= limit) body.reserve(*length);
    bool too_large = false;
    const bool complete = read([&](const char* data, size_t size) {
      if (body.size() + size > limit) {
        too_large = true;
        return false;
      }
      body.append(data, size);
      return true;
    });
    if (too_large || res.status == 413) {
      res.set_header("Connection", "close");
      answer(res, 413, error_json(fmt::format("request body larger than {} bytes (serve.max_request_bytes)", limit)));
      return false;
    }
    if (!complete) {
      res.set_header("Connection", "close");
      answer(res, 400, error_json("the request body could not be read"));
      return false;
    }
    return true;
  }

  // Handles one push; returns the size of the body it read.
  size_t push(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read,
              bool& body_read) {
    const std::string topic = req.matches[1];
    // What needs no body first: the media type, the topic's name and whether it is allowed.
    auto format = body_format(req.get_header_value("Content-Type"));
    if (!format) {
      answer(res, 415, error_json(format.error().message));
      return 0;
    }
    if (auto refused = topics.check(topic)) {
      answer(res, refused->status, error_json(refused->message));
      return 0;
    }
    std::string body;
    body_read = true;
    if (!read_body(req, res, read, body)) return body.size();
    const size_t body_bytes = body.size();

    // Every record is checked before anything is written; each is kept as offsets into the body.
    ParsedBody parsed;
    if (auto bad = parse_push_body(body, *format, key_pointer, body_limits, parsed)) {
      std::string json = fmt::format(R"({{"error":{},"offset":{})", json_append::quoted(bad->reason), bad->offset);
      if (bad->index) json += fmt::format(R"(,"index":{})", *bad->index);
      answer(res, 400, json + "}");
      return body_bytes;
    }
    if (auto refused = topics.admit(topic)) {
      answer(res, refused->status, error_json(refused->message));
      return body_bytes;
    }
    const int64_t now = now_ms();
    const std::string fetched_at = std::to_string(now);
    std::vector<Record> records;
    records.reserve(parsed.elements.size());
    for (size_t i = 0; i < parsed.elements.size(); ++i) {
      records.push_back(Record{.key = std::string(parsed.key(body, i)),
                               .value = std::string(parsed.value(body, i)),
                               .headers = {{"source", "push"}, {"fetched_at", fetched_at}},
                               .timestamp_ms = now});
    }
    std::string().swap(body);  // the records own their bytes now
    parsed = ParsedBody();

    const std::string idempotency_key = req.get_header_value("Idempotency-Key");
    if (idempotency_key.empty()) {
      send(res, topic, records, nullptr);
      return body_bytes;
    }
    SourceCheckpoint checkpoint{fmt::format("idempotency/{}/{}", topic, idempotency_key),
                                std::to_string(records.size())};
    KeyLock& lock = acquire_key(checkpoint.source);
    Result<std::optional<std::string>> seen = [&] {
      std::lock_guard guard(producer_mutex);
      return producer->load_checkpoint(topic, checkpoint.source);
    }();
    if (!seen) {
      answer(res, 500, error_json(seen.error().message));
    } else if (seen->has_value()) {
      answer(res, 200, fmt::format(R"({{"accepted":{},"duplicate":true}})", **seen));
    } else {
      send(res, topic, records, &checkpoint);
    }
    release_key(checkpoint.source, lock);
    return body_bytes;
  }

  void send(httplib::Response& res, const std::string& topic, const std::vector<Record>& records,
            const SourceCheckpoint* checkpoint) {
    Status status;
    {
      std::lock_guard guard(producer_mutex);
      status = producer->send(topic, records, checkpoint);
    }
    if (!status) {
      answer(res, 503, error_json(status.message()));
      return;
    }
    records_total += records.size();
    answer(res, 200, fmt::format(R"({{"accepted":{}}})", records.size()));
  }

  std::string metrics_text() {
    std::string out;
    prometheus_text::append_header(out, "kascade_push_records_total", "counter", "Records accepted by push.");
    prometheus_text::append_sample(out, "kascade_push_records_total", {}, records_total.load());
    prometheus_text::append_header(out, "kascade_push_requests_total", "counter", "Push answers, per status code.");
    {
      std::lock_guard guard(metrics_mutex);
      for (const auto& [code, count] : requests_by_code) {
        prometheus_text::append_sample(out, "kascade_push_requests_total", {{"code", std::to_string(code)}}, count);
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
  if (!impl.server.is_valid()) {
    return Error::make(Errc::config, fmt::format("serve.tls: cannot use the certificate {} with the key {}",
                                                 impl.options.tls_cert_file, impl.options.tls_key_file));
  }
  auto producer = impl.bus.open_producer();
  if (!producer) return producer.error();
  impl.producer = std::move(*producer);

  // One worker per connection (serve.max_connections; beyond them a quick 503), each connection
  // under deadlines (connection_guard.h); beyond max_in_flight a request gets a quick 429.
  // Every request passes the Host check and, with tokens, authentication before its body is read.
  // A client that waits for "100 Continue" before sending its body is told the refusal instead
  // (cpp-httplib asks this before the pre-routing handler below).
  impl.server.set_expect_100_continue_handler([&impl](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host"), authorization = req.get_header_value("Authorization");
    auto refusal =
        impl.gate.check(req.method, req.path,
                        req.has_header("Host") ? std::optional<std::string_view>(host) : std::nullopt, authorization);
    if (!refusal) return 100;
    if (refusal->status == 401) res.set_header("WWW-Authenticate", R"(Bearer realm="kascade")");
    close_connection_after_response();  // its body is never read
    impl.answer(res, refusal->status, refusal->body);
    return refusal->status;
  });
  impl.server.set_pre_routing_handler([&impl](const httplib::Request& req, httplib::Response& res) {
    const std::string host = req.get_header_value("Host"), authorization = req.get_header_value("Authorization");
    auto refusal =
        impl.gate.check(req.method, req.path,
                        req.has_header("Host") ? std::optional<std::string_view>(host) : std::nullopt, authorization);
    if (!refusal &&
        req.get_header_value<uint64_t>("Content-Length") > static_cast<uint64_t>(impl.options.max_request_bytes)) {
      // Refused by the announced length, before reading (or skipping) the body; counted by the error handler.
      close_connection_after_response();
      res.status = 413;
      res.set_content(R"({"error":"request body too large"})", "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
    if (refusal->status == 401) res.set_header("WWW-Authenticate", R"(Bearer realm="kascade")");
    close_connection_after_response();  // its body, if any, is not read
    impl.answer(res, refusal->status, refusal->body);
    return httplib::Server::HandlerResponse::Handled;
  });
  // A larger body is answered 413 by cpp-httplib before it is read.
  impl.server.set_payload_max_length(static_cast<size_t>(impl.options.max_request_bytes));
  const std::string push_path = R"(/v1/topics/([^/]*)/records)";  // the name is checked by TopicPolicy
  impl.server.Post(push_path, [&impl](const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& read) { impl.handle_push(req, res, read); });
  impl.server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(dashboard_page().data(), dashboard_page().size(), "text/html; charset=utf-8");
  });
  for (const auto& route : impl.json_routes) {
    impl.server.Get(route.path, [&route](const httplib::Request&, httplib::Response& res) {
      auto body = route.body();
      res.set_header("Cache-Control", "no-store");
      if (!body) {
        res.status = 503;
        res.set_content(fmt::format(R"({{"error":{}}})", json_append::quoted(body.error().message)),
                        "application/json");
        return;
      }
      res.set_content(*body, "application/json");
    });
  }
  impl.server.Get("/healthz",
                  [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
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
      close_connection_after_response();  // its body is not read
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
  // A burst of clients waits in the accept queue, not in SYN retries (cpp-httplib listens with 5).
  raise_accept_backlog(impl.server, static_cast<int>(std::max<int64_t>(128, impl.options.limits.max_connections * 2)));
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
