// mockapi/mock_api_server.cc: routes, answers and injected faults of the mock API.
#include "mockapi/mock_api_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <thread>

#include "core/json_append.h"
#include "core/timestamp.h"
#include "mockapi/user_selection.h"
#include "sources/generator/randomuser_generator.h"
#include "sources/http_client/token_bucket.h"

namespace kascade {
namespace {

constexpr uint64_t kMaxResults = 5000;  // the real API's limit per request
constexpr uint64_t kMaxItemsLimit = 5000;
// What the real API sends. With the parameter, cpp-httplib does not compress
// the answer (its brotli would take seconds per page); clients get plain bytes.
constexpr const char* kJsonType = "application/json; charset=utf-8";

uint64_t param_u64(const httplib::Request& req, const char* name, uint64_t fallback) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && ptr == text.data() + text.size() ? value : fallback;
}

void append_users(std::string& out, const RandomUserGenerator& generator, uint64_t first, uint64_t count) {
  out.reserve(out.size() + count * 1200);
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0) out += ',';
    generator.append_user_json(first + i, out);
  }
}

void append_selected_users(std::string& out, const RandomUserGenerator& generator, const std::vector<uint64_t>& indices,
                           const UserSelection& selection) {
  std::string user;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i > 0) out += ',';
    user.clear();
    generator.append_user_json(indices[i], user);
    selection.append_fields(user, out);
  }
}

}  // namespace

struct MockApiServer::Impl {
  MockApiOptions options;
  httplib::Server server;
  std::thread listener;
  int port = 0;
  FaultPlan faults;
  RandomUserGenerator items_generator;
  FilteredIndexCache filtered;  // nat=: which generator indices each filtered page holds

  mutable std::mutex mutex;  // guards everything below
  TokenBucket rate_limit;
  std::vector<MockRequest> log;
  std::map<int, uint64_t> by_status;
  std::map<std::string, uint64_t> by_fault;
  uint64_t users_served = 0;

  explicit Impl(MockApiOptions o)
      : options(std::move(o)),
        faults(options.fail_rate, options.faults, options.fault_seed),
        items_generator(GeneratorOptions{.seed = options.items_seed}),
        rate_limit(options.rate_limit, std::max(1.0, options.rate_limit)) {}

  void record(MockRequest entry) {
    std::lock_guard lock(mutex);
    ++by_status[entry.status];
    if (!entry.fault.empty()) ++by_fault[entry.fault];
    users_served += entry.users;
    log.push_back(std::move(entry));
  }

  bool over_rate_limit() {
    std::lock_guard lock(mutex);
    return !rate_limit.try_take(TokenBucket::Clock::now());
  }

  // Answers `body` (with `users` users) unless a fault replaces the answer.
  void answer(httplib::Response& res, std::string body, uint64_t users, MockRequest entry) {
    entry.at_ms = entry.at_ms == 0 ? now_ms() : entry.at_ms;
    if (options.latency.count() > 0) std::this_thread::sleep_for(options.latency);
    const std::optional<FaultKind> fault = faults.next();
    if (fault) entry.fault = fault_kind_name(*fault);
    const std::string retry_after = std::to_string(options.retry_after_seconds);
    if (!fault) {
      res.status = 200;
      res.set_content(body, kJsonType);
      entry.status = res.status;
      entry.users = users;
      record(std::move(entry));
      return;
    }
    switch (*fault) {
      case FaultKind::server_error: {
        static constexpr int kStatuses[] = {500, 502, 503};
        res.status = kStatuses[faults.pick(3)];
        if (res.status == 503) res.set_header("Retry-After", retry_after);
        res.set_content("injected server error\n", "text/plain");
        users = 0;
        break;
      }
      case FaultKind::too_many_requests:
        res.status = 429;
        res.set_header("Retry-After", retry_after);
        res.set_content("injected rate limit\n", "text/plain");
        users = 0;
        break;
      case FaultKind::truncated:
        res.status = 200;
        body.resize(body.size() / 4 + faults.pick(body.size() / 2 + 1));
        res.set_content(body, kJsonType);
        users = 0;
        break;
      case FaultKind::malformed: {
        static constexpr const char* kBodies[] = {
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            R"({"error":"Uh oh, something has gone wrong. Please tweet us @randomapi about the issue. Thank you."})",
            "{\"results\":[{\"name\":{\"first\":\"\xC3\x28\"}}],\"info\":{}}"};
        res.status = 200;
        res.set_content(kBodies[faults.pick(3)], kJsonType);
        users = 0;
        break;
      }
      case FaultKind::reset: {
        // Promise the whole body, send half, then drop the connection.
        auto shared = std::make_shared<std::string>(std::move(body));
        res.status = 200;
        res.set_content_provider(shared->size(), kJsonType, [shared](size_t, size_t, httplib::DataSink& sink) {
          sink.write(shared->data(), shared->size() / 2);
          return false;
        });
        users = 0;
        break;
      }
      case FaultKind::stall:  // the right answer, too late for a client with a shorter timeout
        std::this_thread::sleep_for(options.stall);
        res.status = 200;
        res.set_content(body, kJsonType);
        break;
    }
    entry.status = res.status;
    entry.users = users;
    record(std::move(entry));
  }

  bool rate_limited(httplib::Response& res, MockRequest& entry) {
    if (!over_rate_limit()) return false;
    res.status = 429;
    res.set_header("Retry-After", std::to_string(options.retry_after_seconds));
    res.set_content("rate limit exceeded\n", "text/plain");
    entry.status = 429;
    entry.fault = "rate_limit";
    record(std::move(entry));
    return true;
  }

  // GET /api/?results=N&page=P&seed=S[&nat=..&inc=..&exc=..]: users (P-1)*N .. P*N-1 of
  // seed S (of those of the nationalities asked for), with the fields asked for.
  void api(const httplib::Request& req, httplib::Response& res) {
    MockRequest entry{.at_ms = now_ms(), .path = req.path};
    const uint64_t results = std::clamp<uint64_t>(param_u64(req, "results", 1), 1, kMaxResults);
    const uint64_t page = std::max<uint64_t>(1, param_u64(req, "page", 1));
    // Without a seed the real API picks one and reports it in info.seed.
    const std::string seed =
        req.has_param("seed") ? req.get_param_value("seed") : fmt::format("{:016x}", faults.pick(UINT64_MAX));
    entry.page_or_cursor = std::to_string(page);
    if (rate_limited(res, entry)) return;
    const RandomUserGenerator generator(GeneratorOptions{.seed = seed});
    const UserSelection selection =
        UserSelection::from_params(req.get_param_value("nat"), req.get_param_value("inc"), req.get_param_value("exc"));
    std::string body = "{\"results\":[";
    if (selection.all_users() && selection.all_fields()) {
      append_users(body, generator, (page - 1) * results, results);
    } else {
      append_selected_users(body, generator, filtered.indices(generator, selection, (page - 1) * results, results),
                            selection);
    }
    body += "],\"info\":{\"seed\":";
    json_append::append_string(body, seed);
    fmt::format_to(std::back_inserter(body), ",\"results\":{},\"page\":{},\"version\":\"1.4\"}}}}", results, page);
    answer(res, std::move(body), results, std::move(entry));
  }

  // GET /items?cursor=C&limit=N | ?page=P&per_page=N | ?offset=O&limit=N
  // -> {"data":{"users":[...]},"paging":{"next_cursor":...,"total":T}} and a Link rel="next" header.
  void items(const httplib::Request& req, httplib::Response& res) {
    MockRequest entry{.at_ms = now_ms(), .path = req.path};
    uint64_t limit = std::clamp<uint64_t>(param_u64(req, "limit", param_u64(req, "per_page", 100)), 1, kMaxItemsLimit);
    uint64_t offset = 0;
    std::string next_query;
    const uint64_t total = options.items;
    if (req.has_param("page")) {
      const uint64_t page = std::max<uint64_t>(1, param_u64(req, "page", 1));
      offset = (page - 1) * limit;
      next_query = fmt::format("page={}&per_page={}", page + 1, limit);
      entry.page_or_cursor = "page " + std::to_string(page);
    } else if (req.has_param("offset")) {
      offset = param_u64(req, "offset", 0);
      next_query = fmt::format("offset={}&limit={}", offset + limit, limit);
      entry.page_or_cursor = "offset " + std::to_string(offset);
    } else {
      const std::string cursor = req.has_param("cursor") ? req.get_param_value("cursor") : "";
      if (!cursor.empty()) {
        // Cursors are opaque to clients: "c" + the offset in hex.
        uint64_t value = 0;
        const auto [ptr, ec] = std::from_chars(cursor.data() + 1, cursor.data() + cursor.size(), value, 16);
        if (cursor[0] != 'c' || ec != std::errc() || ptr != cursor.data() + cursor.size()) {
          res.status = 400;
          res.set_content("{\"error\":\"bad cursor\"}", kJsonType);
          entry.status = 400;
          record(std::move(entry));
          return;
        }
        offset = value;
      }
      next_query = fmt::format("cursor=c{:x}&limit={}", offset + limit, limit);
      entry.page_or_cursor = cursor.empty() ? "start" : cursor;
    }
    if (rate_limited(res, entry)) return;
    const uint64_t first = std::min(offset, total);
    const uint64_t count = std::min(limit, total - first);
    const bool more = first + count < total;
    std::string body = "{\"data\":{\"users\":[";
    append_users(body, items_generator, first, count);
    body += "]},\"paging\":{\"next_cursor\":";
    body += more ? fmt::format("\"c{:x}\"", first + count) : "null";
    fmt::format_to(std::back_inserter(body), ",\"total\":{}}}}}", total);
    if (more) {
      const std::string host = req.get_header_value("Host");
      res.set_header("Link", fmt::format("<http://{}{}?{}>; rel=\"next\"", host, req.path, next_query));
    }
    answer(res, std::move(body), count, std::move(entry));
  }

  std::string stats() const {
    std::lock_guard lock(mutex);
    std::string out = fmt::format("{{\"requests\":{},\"users_served\":{},\"by_status\":{{", log.size(), users_served);
    bool first = true;
    for (const auto& [status, count] : by_status) {
      fmt::format_to(std::back_inserter(out), "{}\"{}\":{}", first ? "" : ",", status, count);
      first = false;
    }
    out += "},\"by_fault\":{";
    first = true;
    for (const auto& [fault, count] : by_fault) {
      fmt::format_to(std::back_inserter(out), "{}\"{}\":{}", first ? "" : ",", fault, count);
      first = false;
    }
    out += "},\"log\":[";
    for (size_t i = 0; i < log.size(); ++i) {
      const MockRequest& r = log[i];
      fmt::format_to(std::back_inserter(out), "{}{{\"at_ms\":{},\"path\":", i == 0 ? "" : ",", r.at_ms);
      json_append::append_string(out, r.path);
      out += ",\"page\":";
      json_append::append_string(out, r.page_or_cursor);
      fmt::format_to(std::back_inserter(out), ",\"status\":{},\"fault\":\"{}\",\"users\":{}}}", r.status, r.fault,
                     r.users);
    }
    out += "]}";
    return out;
  }
};

MockApiServer::MockApiServer(MockApiOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  impl->server.new_task_queue = [impl] { return new httplib::ThreadPool(std::max(1, impl->options.threads)); };
  impl->server.set_keep_alive_max_count(100000);
  impl->server.set_tcp_nodelay(true);  // headers and body go out at once, not 40 ms apart
  impl->server.Get("/api/?", [impl](const httplib::Request& req, httplib::Response& res) { impl->api(req, res); });
  impl->server.Get("/items", [impl](const httplib::Request& req, httplib::Response& res) { impl->items(req, res); });
  impl->server.Get("/_stats", [impl](const httplib::Request&, httplib::Response& res) {
    res.set_content(impl->stats(), kJsonType);
  });
}

MockApiServer::~MockApiServer() { stop(); }

Result<int> MockApiServer::start() {
  Impl* impl = impl_.get();
  if (impl->options.port == 0) {
    impl->port = impl->server.bind_to_any_port(impl->options.host);
    if (impl->port < 0) {
      return Error::make(Errc::unavailable, fmt::format("cannot listen on {}", impl->options.host));
    }
  } else if (impl->server.bind_to_port(impl->options.host, impl->options.port)) {
    impl->port = impl->options.port;
  } else {
    return Error::make(Errc::unavailable,
                       fmt::format("cannot listen on {}:{} (in use?)", impl->options.host, impl->options.port));
  }
  impl->listener = std::thread([impl] { impl->server.listen_after_bind(); });
  return impl->port;
}

void MockApiServer::stop() {
  if (!impl_->listener.joinable()) return;
  impl_->server.stop();
  impl_->listener.join();
}

int MockApiServer::port() const { return impl_->port; }

std::vector<MockRequest> MockApiServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->log;
}

std::string MockApiServer::stats_json() const { return impl_->stats(); }

}  // namespace kascade
