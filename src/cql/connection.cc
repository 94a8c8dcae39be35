// cql/connection.cc: handshake (STARTUP, SASL PLAIN), multiplexed requests.
#include "cql/connection.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <future>

namespace kascade::cql {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// Reads exactly n bytes before the deadline (handshake only).
Status recv_exact(Transport& t, char* out, size_t n, Clock::time_point deadline) {
  while (n > 0) {
    const int wait = remaining_ms(deadline);
    auto got = t.read_some(out, n, wait);
    if (!got) return Error::make(Errc::unavailable, "Cassandra closed the connection during the handshake", true);
    if (*got == 0 && wait == 0)
      return Error::make(Errc::timeout, "Cassandra did not answer the handshake in time", true);
    out += *got;
    n -= *got;
  }
  return ok_status();
}

Result<Response> handshake_call(Transport& t, std::string_view frame, Clock::time_point deadline) {
  if (auto s = t.write_all(frame, std::chrono::milliseconds(std::max(remaining_ms(deadline), 1))); !s) return s.error();
  Response r;
  char header[kHeaderBytes];
  if (auto s = recv_exact(t, header, kHeaderBytes, deadline); !s) return s.error();
  if (!decode_header(reinterpret_cast<const uint8_t*>(header), r.header)) {
    return Error::make(Errc::corrupt, "Cassandra sent an oversized frame");
  }
  r.body.resize(r.header.length);
  if (auto s = recv_exact(t, r.body.data(), r.body.size(), deadline); !s) return s.error();
  return r;
}

Error error_response(const Response& r, std::string_view during) {
  auto env = parse_envelope(r.header, r.body);
  if (!env) return env.error();
  if (r.header.opcode != Opcode::error) {
    return Error::make(Errc::corrupt, fmt::format("unexpected opcode 0x{:02x} during {}",
                                                  static_cast<unsigned>(r.header.opcode), during));
  }
  auto e = parse_error(env->payload);
  if (!e) return e.error();
  return to_error(*e);
}

// STARTUP and, if asked, SASL PLAIN authentication. Returns the protocol
// error's message instead of an Error when the server refuses the version.
Result<bool> handshake(Transport& t, uint8_t version, const ConnectionOptions& o, const std::string& address,
                       Clock::time_point deadline) {
  auto reply = handshake_call(t, startup_frame(version), deadline);
  if (!reply) return reply.error();
  if (reply->header.opcode == Opcode::ready) return true;
  if (reply->header.opcode == Opcode::authenticate) {
    if (o.credentials.username.empty()) {
      return Error::make(Errc::config, fmt::format("Cassandra at {} requires a username and password", address));
    }
    auto auth =
        handshake_call(t, auth_response_frame(version, o.credentials.username, o.credentials.password), deadline);
    if (!auth) return auth.error();
    if (auth->header.opcode == Opcode::auth_success) return true;
    Error e = error_response(*auth, "authentication");
    // Wrong credentials are not a reason to retry.
    return Error::make(Errc::unavailable, fmt::format("Cassandra at {} refused the login of '{}': {}", address,
                                                      o.credentials.username, e.message));
  }
  if (reply->header.opcode == Opcode::error) {
    auto env = parse_envelope(reply->header, reply->body);
    if (env) {
      auto e = parse_error(env->payload);
      if (e && e->code == error_code::protocol_error) return false;  // try an older version
    }
  }
  return error_response(*reply, "STARTUP");
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::open(const ConnectionOptions& o) {
  const std::string address = fmt::format("{}:{}", o.host, o.port);
  const auto deadline = Clock::now() + o.connect_timeout;
  for (uint8_t version = o.max_version; version >= 3; --version) {
    auto transport = Transport::open(o.host, o.port, o.tls, deadline);
    if (!transport) return transport.error();
    auto accepted = handshake(**transport, version, o, address, deadline);
    if (accepted && *accepted) {
      std::unique_ptr<Connection> c(new Connection(std::move(*transport), version, o));
      if (!o.keyspace.empty()) {
        auto use = c->call(query_frame(version, fmt::format("USE \"{}\"", o.keyspace), {}));
        if (!use) return use.error();
        if (use->header.opcode == Opcode::error) return error_response(*use, "USE");
      }
      if (o.register_schema_events) {
        auto registered = c->call(register_frame(version, {"SCHEMA_CHANGE"}));
        if (!registered) return registered.error();
      }
      return c;
    }
    if (!accepted) return accepted.error();
  }
  return Error::make(Errc::unavailable,
                     fmt::format("Cassandra at {} speaks none of the protocol versions 3..{}", address, o.max_version));
}

Connection::Connection(std::unique_ptr<Transport> transport, uint8_t version, const ConnectionOptions& o)
    : transport_(std::move(transport)),
      // A send stalled this long means the node stopped reading: fail it, the caller retries.
      send_stall_timeout_(o.request_timeout),
      version_(version),
      address_(fmt::format("{}:{}", o.host, o.port)),
      request_timeout_(o.request_timeout),
      on_event_(o.on_event),
      pending_(static_cast<size_t>(o.max_streams)) {
  free_streams_.reserve(pending_.size());
  for (int i = static_cast<int>(pending_.size()) - 1; i >= 0; --i) free_streams_.push_back(static_cast<int16_t>(i));
  reader_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "kascade-cql-io");
    read_loop();
  });
}

Connection::~Connection() { close(); }

void Connection::close() {
  {
    std::lock_guard lock(mutex_);
    open_.store(false, std::memory_order_release);
  }
  if (!transport_) return;
  transport_->shutdown();  // wakes the reader and fails any blocked send at once
  if (reader_.joinable()) reader_.join();
  // Another thread may still be leaving send(): never close (and so free for
  // reuse) a descriptor it is writing to.
  std::unique_ptr<Transport> closing;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (!writing_) {
        closing = std::move(transport_);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Status Connection::send(std::string_view frame, ResponseCallback done, bool defer) {
  std::unique_lock lock(mutex_);
  if (!open_.load(std::memory_order_acquire)) {
    return Error::make(Errc::unavailable, fmt::format("connection to {} is closed", address_), true);
  }
  if (free_streams_.empty()) {
    return Error::make(Errc::unavailable, fmt::format("all {} stream ids to {} are busy", pending_.size(), address_),
                       true);
  }
  const int16_t stream = free_streams_.back();
  free_streams_.pop_back();
  Pending& p = pending_[static_cast<size_t>(stream)];
  p.state = Slot::waiting;
  p.deadline = Clock::now() + request_timeout_;
  p.done = std::move(done);
  in_flight_.fetch_add(1, std::memory_order_relaxed);

  const size_t at = outbox_.size();
  outbox_.append(frame);
  patch_stream(outbox_.data() + at, stream);
  if (writing_ || defer) return ok_status();  // the writing thread, or the next flush, takes it along
  write_outbox(lock);
  return ok_status();
}

void Connection::flush() {
  std::unique_lock lock(mutex_);
  if (writing_ || outbox_.empty()) return;
  write_outbox(lock);
}

void Connection::write_outbox(std::unique_lock<std::mutex>& lock) {
  // This thread writes until the outbox stays empty.
  writing_ = true;
  std::string bytes;
  Status status;
  while (!outbox_.empty() && status.ok() && open_.load(std::memory_order_acquire)) {
    bytes.swap(outbox_);
    lock.unlock();
    status = write_all(bytes);
    bytes.clear();
    lock.lock();
  }
  writing_ = false;
  if (!status.ok()) {
    // The socket is broken: the I/O thread fails every pending request.
    open_.store(false, std::memory_order_release);
    transport_->shutdown();
  }
}

Status Connection::write_all(std::string& bytes) { return transport_->write_all(bytes, send_stall_timeout_); }

Result<Response> Connection::call(std::string_view frame) {
  auto promise = std::make_shared<std::promise<Result<Response>>>();
  auto future = promise->get_future();
  if (auto s = send(frame, [promise](Result<Response> r) { promise->set_value(std::move(r)); }); !s) {
    return s.error();
  }
  return future.get();
}

void Connection::deliver(const FrameHeader& header, std::string body) {
  if (header.stream < 0) {  // an EVENT pushed by the server
    if (header.opcode == Opcode::event && on_event_) {
      auto env = parse_envelope(header, body);
      if (env) {
        if (auto event = parse_event(env->payload)) on_event_(*event);
      }
    }
    return;
  }
  if (static_cast<size_t>(header.stream) >= pending_.size()) return;
  ResponseCallback done;
  {
    std::lock_guard lock(mutex_);
    Pending& p = pending_[static_cast<size_t>(header.stream)];
    if (p.state == Slot::free) return;  // not ours: ignore
    if (p.state == Slot::waiting) {
      done = std::move(p.done);
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
    }
    p.state = Slot::free;  // a late answer to an expired request frees its id
    p.done = nullptr;
    free_streams_.push_back(header.stream);
  }
  if (done) done(Response{header, std::move(body)});
}

void Connection::expire_timed_out(Clock::time_point now) {
  std::vector<ResponseCallback> expired;
  {
    std::lock_guard lock(mutex_);
    for (Pending& p : pending_) {
      if (p.state == Slot::waiting && p.deadline <= now) {
        p.state = Slot::orphaned;
        expired.push_back(std::move(p.done));
        p.done = nullptr;
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
      }
    }
  }
  for (auto& done : expired) {
    done(Error::make(Errc::timeout,
                     fmt::format("no answer from Cassandra at {} within {} ms", address_, request_timeout_.count()),
                     /*retriable=*/true));
  }
}

void Connection::fail_all(const Error& error) {
  std::vector<ResponseCallback> failed;
  {
    std::lock_guard lock(mutex_);
    open_.store(false, std::memory_order_release);
    for (Pending& p : pending_) {
      if (p.state == Slot::waiting) {
        failed.push_back(std::move(p.done));
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
      }
      p.state = Slot::free;
      p.done = nullptr;
    }
  }
  for (auto& done : failed) done(error);
}

void Connection::read_loop() {
  std::string buffer;
  size_t start = 0;  // first unparsed byte of buffer
  std::vector<char> chunk(256 * 1024);
  auto next_sweep = Clock::now();
  Error broken = Error::make(Errc::unavailable, fmt::format("connection to Cassandra at {} closed", address_), true);

  while (true) {
    auto got = transport_->read_some(chunk.data(), chunk.size(), 50);
    const auto now = Clock::now();
    if (now >= next_sweep) {
      expire_timed_out(now);
      next_sweep = now + std::chrono::milliseconds(50);
    }
    if (!open_.load(std::memory_order_acquire)) break;
    if (!got) break;
    if (*got == 0) continue;
    buffer.append(chunk.data(), *got);

    bool corrupt = false;
    while (buffer.size() - start >= kHeaderBytes) {
      FrameHeader h;
      if (!decode_header(reinterpret_cast<const uint8_t*>(buffer.data() + start), h) || !h.response) {
        corrupt = true;
        break;
      }
      if (buffer.size() - start < kHeaderBytes + h.length) break;
      deliver(h, buffer.substr(start + kHeaderBytes, h.length));
      start += kHeaderBytes + h.length;
    }
    if (corrupt) {
      broken = Error::make(Errc::corrupt, fmt::format("Cassandra at {} sent a malformed frame", address_), true);
      break;
    }
    if (start == buffer.size()) {
      buffer.clear();
      start = 0;
    } else if (start > buffer.size() / 2) {
      buffer.erase(0, start);
      start = 0;
    }
  }
  fail_all(broken);
}

}  // namespace kascade::cql
