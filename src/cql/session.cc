// cql/session.cc: node discovery, connection pools, routing, prepare cache, retries.
#include "cql/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <utility>

#include "core/log.h"

namespace kascade::cql {

using Clock = std::chrono::steady_clock;

struct Session::Node {
  std::string host;
  uint16_t port = 9042;
  std::vector<std::unique_ptr<Connection>> pool;  // size connections_per_host; null or closed: reconnect
  std::vector<Clock::time_point> last_attempt;
  std::unique_ptr<logging::Outage> outage;  // the log's view of this node: down once, back once
};

struct Session::Request {
  std::shared_ptr<const PreparedStatement> statement;           // null for a simple QUERY
  std::vector<std::shared_ptr<const PreparedStatement>> batch;  // a BATCH's statements
  std::string frame;
  RequestOptions options;
  ExecuteCallback done;
  Session* counted = nullptr;  // in the session's in-flight count until destroyed
  int attempts = 0;
  size_t reprepares = 0;

  ~Request() {
    if (counted) counted->release();
  }
  // The statement a node answered UNPREPARED for.
  const PreparedStatement* unprepared(std::string_view id) const {
    for (const auto& s : batch)
      if (s->meta.id == id) return s.get();
    return statement.get();
  }
};

namespace {
constexpr auto kReconnectInterval = std::chrono::milliseconds(250);

Error no_node(size_t nodes) {
  return Error::make(Errc::unavailable, fmt::format("no Cassandra node reachable (of {})", nodes), true);
}
}  // namespace

Result<std::vector<std::string>> parse_hosts(std::string_view text) {
  std::vector<std::string> hosts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view host = text.substr(start, comma - start);
    while (!host.empty() && host.front() == ' ') host.remove_prefix(1);
    while (!host.empty() && host.back() == ' ') host.remove_suffix(1);
    if (host.empty() || host.front() == ':') {
      return Error::make(Errc::config, fmt::format("empty host in '{}'", text));
    }
    // host:port (one ':'; an IPv6 address without a port has several).
    if (const size_t colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) {
      unsigned port = 0;
      const std::string_view digits = host.substr(colon + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
        return Error::make(Errc::config, fmt::format("bad port in '{}' (expected 1..65535)", host));
      }
    }
    hosts.emplace_back(host);
    start = comma + 1;
  }
  return hosts;
}

Session::Session(SessionOptions options) : options_(std::move(options)) {}

Session::~Session() {
  {
    std::lock_guard lock(retry_mutex_);
    stopping_ = true;
  }
  retry_wakeup_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
  // Closing the connections fails what is still pending (callbacks run now).
  std::vector<std::unique_ptr<Node>> nodes;
  {
    std::lock_guard lock(nodes_mutex_);
    nodes.swap(nodes_);
  }
  for (auto& node : nodes) {
    for (auto& c : node->pool) {
      if (c) c->close();
    }
  }
  // Requests parked for a retry are dropped with an error.
  for (auto& [when, request] : retries_) {
    request->done(Error::make(Errc::closed, "the Cassandra session was closed"));
  }
  retries_.clear();  // while the in-flight count they leave is still there
}

Result<std::unique_ptr<Session>> Session::connect(SessionOptions options) {
  std::unique_ptr<Session> session(new Session(std::move(options)));
  Session& s = *session;
  const SessionOptions& o = s.options_;
  if (o.tls.enabled) {
    auto tls = TlsContext::create(o.tls);
    if (!tls) return tls.error();
    s.tls_ = std::move(*tls);
  }

  std::unique_ptr<Connection> control;
  std::string control_host;
  uint16_t control_port = o.port;
  Error last = Error::make(Errc::config, "no contact points given");
  for (const auto& point : o.contact_points) {
    ConnectionOptions co;
    co.host = point;
    co.port = o.port;
    if (auto colon = point.rfind(':'); colon != std::string::npos && point.find(':') == colon) {
      co.host = point.substr(0, colon);
      unsigned port = 0;
      auto [end, ec] = std::from_chars(point.data() + colon + 1, point.data() + point.size(), port);
      if (ec != std::errc() || end != point.data() + point.size() || port == 0 || port > 65535) {
        return Error::make(Errc::config, fmt::format("hosts: bad port in '{}'", point));
      }
      co.port = static_cast<uint16_t>(port);
    }
    co.credentials = o.credentials;
    co.tls = s.tls_;
    co.connect_timeout = o.connect_timeout;
    co.request_timeout = o.request_timeout;
    co.max_streams = o.max_streams_per_connection;
    co.keyspace = o.keyspace;
    co.register_schema_events = static_cast<bool>(o.on_schema_change);
    Session* self = &s;
    co.on_event = [self](const Event& e) {
      if (e.type == "SCHEMA_CHANGE" && self->options_.on_schema_change)
        self->options_.on_schema_change(e.schema_change);
    };
    auto c = Connection::open(co);
    if (c) {
      control = std::move(*c);
      control_host = co.host;
      control_port = co.port;
      break;
    }
    last = c.error();
    if (!last.retriable) return last;  // wrong password, bad config: another node will not help
  }
  if (!control) return last;
  s.version_ = control->version();

  auto node = std::make_unique<Node>();
  node->host = control_host;
  node->port = control_port;
  s.nodes_.push_back(std::move(node));
  if (o.discover_nodes) {
    if (auto status = s.discover(*control); !status) return status.error();
  }
  for (auto& n : s.nodes_) {
    n->pool.resize(static_cast<size_t>(std::max(1, o.connections_per_host)));
    n->last_attempt.resize(n->pool.size());
  }
  s.nodes_[0]->pool[0] = std::move(control);
  s.retry_thread_ = std::thread([&s] { s.retry_loop(); });
  return session;
}

Status Session::discover(Connection& control) {
  auto tokens_of = [](const CqlValue& v, std::vector<int64_t>& out) {
    if (const auto* list = std::get_if<CqlList>(&v.v)) {
      for (const auto& t : *list) {
        if (const auto* s = std::get_if<std::string>(&t.v)) {
          int64_t token = 0;
          if (std::from_chars(s->data(), s->data() + s->size(), token).ec == std::errc()) out.push_back(token);
        }
      }
    }
  };
  auto ask = [&](std::string_view cql) -> Result<Rows> {
    auto r = control.call(query_frame(control.version(), cql, {}));
    if (!r) return r.error();
    auto m = decode(*r);
    if (!m) return m.error();
    return std::move(m->rows);
  };
  auto local = ask("SELECT tokens FROM system.local");
  if (!local) return local.error();
  std::vector<int64_t> tokens;
  for (const auto& row : local->rows) tokens_of(row[0], tokens);
  for (int64_t t : tokens) ring_.emplace_back(t, 0);

  auto peers = ask("SELECT rpc_address, tokens FROM system.peers");
  if (!peers) return peers.error();
  for (const auto& row : peers->rows) {
    const auto* address = std::get_if<Inet>(&row[0].v);
    if (!address) continue;
    std::string text;
    render_value(TypeSpec::of(TypeId::inet), row[0], false, text);
    auto node = std::make_unique<Node>();
    node->host = text;
    node->port = nodes_[0]->port;
    nodes_.push_back(std::move(node));
    tokens.clear();
    tokens_of(row[1], tokens);
    for (int64_t t : tokens) ring_.emplace_back(t, nodes_.size() - 1);
  }
  std::sort(ring_.begin(), ring_.end());
  return ok_status();
}

size_t Session::node_count() const {
  std::lock_guard lock(nodes_mutex_);
  return nodes_.size();
}

std::string Session::describe() const {
  std::lock_guard lock(nodes_mutex_);
  if (nodes_.empty()) return "cassandra (closed)";
  std::string d = fmt::format("{}:{}", nodes_[0]->host, nodes_[0]->port);
  if (nodes_.size() > 1) d += fmt::format(" (+{} nodes)", nodes_.size() - 1);
  return d;
}

Connection* Session::connection_of(Node& node) {
  Connection* best = nullptr;
  for (size_t i = 0; i < node.pool.size(); ++i) {
    auto& slot = node.pool[i];
    if (!slot || !slot->is_open()) {
      const auto now = Clock::now();
      if (now - node.last_attempt[i] < kReconnectInterval) continue;
      node.last_attempt[i] = now;
      ConnectionOptions co;
      co.host = node.host;
      co.port = node.port;
      co.credentials = options_.credentials;
      co.tls = tls_;
      co.connect_timeout = options_.connect_timeout;
      co.request_timeout = options_.request_timeout;
      co.max_streams = options_.max_streams_per_connection;
      co.max_version = version_;
      co.keyspace = options_.keyspace;
      if (!node.outage) {
        const std::string address = fmt::format("{}:{}", node.host, node.port);
        node.outage = std::make_unique<logging::Outage>("cql", "Cassandra node " + address, "node", address);
      }
      auto fresh = Connection::open(co);
      if (!fresh) {
        node.outage->failed(fresh.error().message,
                            fmt::format("reconnecting every {} ms; writes are retried", kReconnectInterval.count()));
        continue;
      }
      node.outage->succeeded();
      // Another thread may still hold the old connection (picked before it broke):
      // keep it, closed, until the session ends instead of freeing it under that thread.
      if (slot) {
        slot->close();
        retired_.push_back(std::move(slot));
      }
      slot = std::move(*fresh);
    }
    if (!best || slot->in_flight() < best->in_flight()) best = slot.get();
  }
  return best;
}

Connection* Session::pick_connection(const std::optional<int64_t>& token) {
  std::lock_guard lock(nodes_mutex_);
  if (nodes_.empty()) return nullptr;
  if (token && !ring_.empty()) {
    auto it = std::lower_bound(ring_.begin(), ring_.end(), std::make_pair(*token, size_t{0}));
    if (it == ring_.end()) it = ring_.begin();  // the ring wraps around
    if (Connection* c = connection_of(*nodes_[it->second])) return c;
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = *nodes_[(round_robin_ + i) % nodes_.size()];
    if (Connection* c = connection_of(node)) {
      round_robin_ = (round_robin_ + i + 1) % nodes_.size();
      return c;
    }
  }
  return nullptr;
}

Result<ResultMessage> Session::decode(const Response& response) {
  auto env = parse_envelope(response.header, response.body);
  if (!env) return env.error();
  if (options_.on_warning) {
    for (const auto& w : env->warnings) options_.on_warning(w);
  }
  if (response.header.opcode == Opcode::error) {
    auto e = parse_error(env->payload);
    if (!e) return e.error();
    return to_error(*e);
  }
  if (response.header.opcode != Opcode::result) {
    return Error::make(Errc::corrupt, fmt::format("unexpected opcode 0x{:02x} in answer",
                                                  static_cast<unsigned>(response.header.opcode)));
  }
  return parse_result(env->payload);
}

void Session::dispatch(std::unique_ptr<Request> request) {
  ++request->attempts;
  Connection* c = pick_connection(request->options.token);
  if (!c) {
    retry_later(std::move(request), no_node(node_count()));
    return;
  }
  Request* raw = request.release();                                   // owned by the callback from here on
  const bool defer = raw->options.defer_write && raw->attempts == 1;  // a retry is written at once
  auto status = c->send(
      raw->frame, [this, raw, c](Result<Response> r) { on_response(std::unique_ptr<Request>(raw), c, std::move(r)); },
      defer);
  if (!status) retry_later(std::unique_ptr<Request>(raw), status.error());
}

void Session::on_response(std::unique_ptr<Request> request, Connection* via, Result<Response> response) {
  if (!response) {
    retry_later(std::move(request), response.error());
    return;
  }
  if (response->header.opcode == Opcode::error && request->statement &&
      request->reprepares < 1 + request->batch.size()) {
    auto env = parse_envelope(response->header, response->body);
    auto e = env ? parse_error(env->payload) : Result<ServerError>(env.error());
    if (e && e->code == error_code::unprepared) {
      // The node forgot the statement (restarted, or evicted it): prepare it there again, then
      // resend. A BATCH names the one it lacks.
      ++request->reprepares;
      reprepared_.fetch_add(1, std::memory_order_relaxed);
      const std::string cql = request->unprepared(e->unprepared_id)->cql;
      Request* raw = request.release();
      auto status = via->send(prepare_frame(version_, cql), [this, raw, via](Result<Response> r) {
        std::unique_ptr<Request> owned(raw);
        if (!r) return retry_later(std::move(owned), r.error());
        auto prepared = decode(*r);
        if (!prepared) return finish(std::move(owned), prepared.error());
        Request* again = owned.release();
        auto resent = via->send(again->frame, [this, again, via](Result<Response> answer) {
          on_response(std::unique_ptr<Request>(again), via, std::move(answer));
        });
        if (!resent) retry_later(std::unique_ptr<Request>(again), resent.error());
      });
      if (!status) retry_later(std::unique_ptr<Request>(raw), status.error());
      return;
    }
  }
  auto result = decode(*response);
  if (!result && result.error().retriable) {
    retry_later(std::move(request), result.error());
    return;
  }
  finish(std::move(request), std::move(result));
}

void Session::finish(std::unique_ptr<Request> request, Result<ResultMessage> result) {
  // The slot is free before the caller hears the answer: a caller that has every answer sees nothing in flight.
  if (request->counted) std::exchange(request->counted, nullptr)->release();
  request->done(std::move(result));
}

void Session::retry_later(std::unique_ptr<Request> request, Error why) {
  if (!why.retriable || !request->options.idempotent || request->attempts >= options_.max_attempts) {
    finish(std::move(request), std::move(why));
    return;
  }
  retried_.fetch_add(1, std::memory_order_relaxed);
  const auto delay = options_.retry_backoff * (1 << std::min(request->attempts - 1, 10));
  std::lock_guard lock(retry_mutex_);
  if (stopping_) {
    finish(std::move(request), Error::make(Errc::closed, "the Cassandra session was closed"));
    return;
  }
  retries_.emplace(Clock::now() + delay, std::move(request));
  retry_wakeup_.notify_all();
}

void Session::retry_loop() {
  pthread_setname_np(pthread_self(), "kascade-cql-retry");
  std::unique_lock lock(retry_mutex_);
  while (!stopping_) {
    if (retries_.empty()) {
      retry_wakeup_.wait(lock);
      continue;
    }
    const auto when = retries_.begin()->first;
    if (Clock::now() < when) {
      retry_wakeup_.wait_until(lock, when);
      continue;
    }
    auto request = std::move(retries_.begin()->second);
    retries_.erase(retries_.begin());
    lock.unlock();
    dispatch(std::move(request));
    lock.lock();
  }
}

Status Session::send_frame(std::shared_ptr<const PreparedStatement> statement, std::string frame,
                           RequestOptions options, ExecuteCallback done,
                           std::vector<std::shared_ptr<const PreparedStatement>> batch) {
  admit(options.defer_write);
  auto request = std::make_unique<Request>();
  request->counted = this;
  request->statement = std::move(statement);
  request->batch = std::move(batch);
  request->frame = std::move(frame);
  request->options = options;
  request->done = std::move(done);
  dispatch(std::move(request));
  // Deferred requests are written kFlushEvery at a time: one write per connection instead of one each.
  if (options.defer_write && deferred_.fetch_add(1, std::memory_order_relaxed) + 1 >= kFlushEvery) flush();
  return ok_status();
}

void Session::flush() {
  deferred_.store(0, std::memory_order_relaxed);
  std::vector<Connection*> connections;
  {
    std::lock_guard lock(nodes_mutex_);
    for (const auto& node : nodes_) {
      for (const auto& slot : node->pool) {
        if (slot) connections.push_back(slot.get());
      }
    }
  }
  // Outside the lock: a write may wait for the socket. A connection replaced
  // meanwhile stays alive (retired_) until the session ends.
  for (Connection* c : connections) c->flush();
}

Result<ResultMessage> Session::call_frame(std::shared_ptr<const PreparedStatement> statement, std::string frame,
                                          RequestOptions options,
                                          std::vector<std::shared_ptr<const PreparedStatement>> batch) {
  auto promise = std::make_shared<std::promise<Result<ResultMessage>>>();
  auto future = promise->get_future();
  options.defer_write = false;
  auto status = send_frame(
      std::move(statement), std::move(frame), options,
      [promise](Result<ResultMessage> r) { promise->set_value(std::move(r)); }, std::move(batch));
  if (!status) return status.error();
  return future.get();
}

Result<ResultMessage> Session::query(std::string_view cql, const QueryOptions& options) {
  return call_frame(nullptr, query_frame(version_, cql, options), RequestOptions{.idempotent = false});
}

Result<Rows> Session::query_all(std::string_view cql, Consistency consistency, int32_t page_size) {
  QueryOptions options{.consistency = consistency, .page_size = page_size};
  Rows all;
  while (true) {
    auto page = call_frame(nullptr, query_frame(version_, cql, options), RequestOptions{.idempotent = true});
    if (!page) return page.error();
    if (page->kind != ResultKind::rows) return all;  // DDL, INSERT...: no rows
    if (all.metadata.columns.empty()) all.metadata = page->rows.metadata;
    for (auto& row : page->rows.rows) all.rows.push_back(std::move(row));
    if (!page->rows.metadata.has_more_pages) return all;
    options.paging_state = page->rows.metadata.paging_state;
  }
}

Result<std::shared_ptr<const PreparedStatement>> Session::prepare(std::string_view cql) {
  {
    std::lock_guard lock(prepared_mutex_);
    if (auto it = prepared_.find(cql); it != prepared_.end()) return it->second;
  }
  auto answer = call_frame(nullptr, prepare_frame(version_, cql), RequestOptions{.idempotent = true});
  if (!answer) return answer.error();
  if (answer->kind != ResultKind::prepared) return Error::make(Errc::corrupt, "PREPARE did not return a statement");
  auto statement = std::make_shared<PreparedStatement>();
  statement->cql = std::string(cql);
  statement->meta = std::move(answer->prepared);
  statement->version = version_;
  std::lock_guard lock(prepared_mutex_);
  prepared_.emplace(statement->cql, statement);
  return std::shared_ptr<const PreparedStatement>(statement);
}

}  // namespace kascade::cql
