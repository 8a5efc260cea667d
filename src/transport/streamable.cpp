#include "transport/streamable.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>

#include "jsonrpc/message.hpp"
#include "transport/framing.hpp"
#include "transport/sse.hpp"

namespace mcpk::transport {
namespace {

constexpr std::string_view kMetaVersion = "io.modelcontextprotocol/protocolVersion";

// A tools/call that has not answered by then, or that sends a notification, gets an SSE stream;
// a quicker one a plain JSON body.
constexpr auto kStreamAfter = std::chrono::milliseconds(200);
constexpr std::size_t kKeptStreams = 16;            // undelivered streams a session keeps for resumption
constexpr auto kKeptFor = std::chrono::minutes(2);  // ... and for how long after they finished

std::string new_session_id() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  std::string id;
  for (auto b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

int error_code_of(const json::object& msg) {
  const auto* e = find_object(msg, "error");
  return e ? static_cast<int>(find_int(*e, "code").value_or(0)) : 0;
}

// The HTTP status of a stateless-era answer, from its JSON-RPC error code.
http::status stateless_status(int code) {
  if (code == jsonrpc::kMethodNotFound) return http::status::not_found;
  if (code == jsonrpc::kUnsupportedProtocolVersion || code == jsonrpc::kInvalidParams ||
      code == jsonrpc::kMissingRequiredClientCapability)
    return http::status::bad_request;
  return http::status::ok;
}

Response jsonrpc_error(const Request& req, http::status status, const json::value& id, int code, std::string message) {
  return json_response(req, status, jsonrpc::make_error(id, code, std::move(message)));
}

Response sse_headers(const Request& req, std::string_view session_id) {
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Accel-Buffering", "no");
  if (!session_id.empty()) res.set("Mcp-Session-Id", session_id);
  res.keep_alive(req.keep_alive());
  return res;
}

// Runs one call; its notifications and response go to `out`, which outlives the connection.
Task<void> run_call(std::shared_ptr<mcp::Session> session, jsonrpc::Message message, RequestScope scope,
                    std::shared_ptr<SseStream> out) {
  mcp::Session::Send send = [out](json::object n) { out->push(to_json(n)); };
  const auto* request = std::get_if<jsonrpc::Request>(&message);
  const json::value id = request ? request->id : json::value(nullptr);
  std::optional<json::object> result;
  try {
    result = co_await session->handle(std::move(message), send, std::move(scope));
  } catch (const std::exception& e) {
    spdlog::error("http: unexpected failure in a call: {}", e.what());
    if (!id.is_null()) result = jsonrpc::make_error(id, jsonrpc::kInternalError, "internal error");
  }
  if (result) {
    out->error_code = error_code_of(*result);
    out->answered = true;
    out->push(to_json(*result));
  }
  out->finish();
}

}  // namespace

struct StreamableEndpoint::Impl : std::enable_shared_from_this<Impl> {
  struct SessionEntry {
    std::shared_ptr<mcp::Session> session;  // shared: a DELETE must not free it under a call in flight
    std::string caller;                     // Caller::key of the one caller it answers
    std::string client;                     // whose share of the session cap it uses (client_of)
    std::chrono::steady_clock::time_point last_used;
    std::map<std::uint64_t, std::shared_ptr<SseStream>> streams;  // resumable, not yet delivered
    std::shared_ptr<SseStream> standalone;                        // the GET stream
    std::uint64_t next_stream = 1;
    int open_streams = 0;  // SSE responses being written: the session is not idle

    // The session ends: its calls are cancelled (each then finishes its own stream with its
    // answer) and the server-to-client stream ends.
    void end(std::string_view why) {
      session->cancel_all(why);
      if (standalone) standalone->finish();
    }
    // Keeps the newest kKeptStreams finished streams that no client has read to the end, none
    // older than kKeptFor.
    void trim() {
      const auto now = std::chrono::steady_clock::now();
      std::size_t finished = 0;
      for (auto& [id, s] : streams) finished += s->done() ? 1 : 0;
      for (auto it = streams.begin(); it != streams.end();) {
        const bool old = now - it->second->finished_at() > kKeptFor;
        if (it->second->done() && it->second->writers == 0 && it->second != standalone &&
            (finished > kKeptStreams || old)) {
          it = streams.erase(it);
          --finished;
        } else {
          ++it;
        }
      }
    }
    // The Reply hooks of a stream this session keeps for resumption.
    void own(Reply& r, const std::shared_ptr<SessionEntry>& self) {
      r.on_open = [self] { ++self->open_streams; };
      r.on_close = [self, s = r.stream](bool delivered, std::size_t) {
        --self->open_streams;
        self->last_used = std::chrono::steady_clock::now();
        if (delivered) self->streams.erase(s->id());
      };
    }
  };

  net::io_context& io;
  mcp::Server& server;
  StreamableOptions options;
  net::steady_timer sweeper;
  std::map<std::string, std::shared_ptr<SessionEntry>> sessions;
  // 2026-07-28 requests have no session; what each caller opens (port-forwards, by handle)
  // lives in that caller's own state here.
  // The stateless era's state per caller (its port-forwards, its calls); it expires like a
  // session after session_idle_timeout without a request, ending what it holds.
  struct CallerState {
    std::shared_ptr<mcp::Session> session;
    std::chrono::steady_clock::time_point last_used;
  };
  std::map<std::string, CallerState> stateless;
  bool stopping = false;

  Impl(net::io_context& ctx, mcp::Server& s, StreamableOptions o)
      : io(ctx), server(s), options(std::move(o)), sweeper(ctx) {}

  // Whose share of the session cap a request uses: an authenticated caller, else (every local
  // caller being the same user) the client's address.
  static std::string client_of(const Exchange& x) {
    return x.scope.caller->local() ? "ip:" + x.peer : "caller:" + x.scope.caller->key;
  }
  std::size_t per_client_cap() const { return std::max<std::size_t>(4, options.max_sessions / 8); }

  // Makes room for one more session of `client`: at its share of the cap, its least recently
  // used idle session ends (a client that leaks sessions recycles its own, never others').
  // False when all of its sessions are busy.
  bool room_for(const std::string& client) {
    std::size_t mine = 0;
    auto oldest = sessions.end();
    for (auto it = sessions.begin(); it != sessions.end(); ++it) {
      const auto& e = *it->second;
      if (e.client != client) continue;
      ++mine;
      const bool idle = e.session->in_flight() == 0 && e.open_streams == 0;
      if (idle && (oldest == sessions.end() || e.last_used < oldest->second->last_used)) oldest = it;
    }
    if (mine < per_client_cap()) return true;
    if (oldest == sessions.end()) return false;
    oldest->second->end("session evicted: the client opened too many");
    sessions.erase(oldest);
    return true;
  }

  // The caller's session, or null (unknown, or another caller's: both are "not found").
  std::shared_ptr<SessionEntry> session_of(const Exchange& x, std::string_view id) const {
    auto it = sessions.find(std::string(id));
    if (it == sessions.end() || it->second->caller != x.scope.caller->key) return nullptr;
    return it->second;
  }

  Task<Reply> handle(Exchange& x) {
    const auto& req = x.req;
    if (req.method() == http::verb::delete_) {
      const std::string id(req["Mcp-Session-Id"]);
      if (id.empty())
        co_return Reply::whole(text_response(req, http::status::bad_request, "Mcp-Session-Id required\n"));
      auto entry = session_of(x, id);
      if (!entry) co_return Reply::whole(text_response(req, http::status::not_found, "unknown session\n"));
      entry->end("session deleted");
      sessions.erase(id);
      co_return Reply::whole(text_response(req, http::status::no_content, ""));
    }
    if (req.method() == http::verb::get && !req["Mcp-Session-Id"].empty() && !options.disable_streaming) {
      co_return get(x);
    }
    if (req.method() != http::verb::post) {
      // GET without a session: the 2026-07-28 revision has no server stream.
      auto res =
          text_response(req, http::status::method_not_allowed,
                        options.disable_streaming ? "use POST (and DELETE to end a session); streaming is disabled\n"
                                                  : "use POST; GET needs an Mcp-Session-Id; DELETE ends a session\n");
      res.set(http::field::allow, options.disable_streaming ? "POST, DELETE" : "GET, POST, DELETE");
      co_return Reply::whole(std::move(res));
    }
    co_return co_await post(x);
  }

  // GET: the session's server-to-client stream, or the rest of a stream after Last-Event-ID.
  Reply get(const Exchange& x) {
    const auto& req = x.req;
    if (!accepts(req[http::field::accept], "text/event-stream") || req[http::field::accept].empty()) {
      return Reply::whole(
          text_response(req, http::status::not_acceptable, "GET opens an SSE stream: Accept text/event-stream\n"));
    }
    if (req.version() < 11)
      return Reply::whole(text_response(req, http::status::bad_request, "GET streams need HTTP/1.1\n"));
    const std::string id(req["Mcp-Session-Id"]);
    auto entry = session_of(x, id);
    if (!entry) {
      return Reply::whole(jsonrpc_error(req, http::status::not_found, nullptr, jsonrpc::kInvalidRequest,
                                        "Session not found: initialize again"));
    }
    entry->last_used = std::chrono::steady_clock::now();
    Reply r{.res = sse_headers(req, id)};
    if (auto last = req["Last-Event-ID"]; !last.empty()) {
      auto pos = parse_event_id(last);
      auto s = pos ? entry->streams.find(pos->first) : entry->streams.end();
      if (s == entry->streams.end() || pos->second > s->second->messages().size()) {
        return Reply::whole(text_response(
            req, http::status::bad_request,
            fmt::format("Last-Event-ID {} is not a stream of this session (or it was delivered and dropped)\n",
                        last.substr(0, 64))));
      }
      r.stream = s->second;
      r.cursor = pos->second;
      entry->own(r, entry);
      return r;
    }
    // A new GET replaces the session's stream: the old one ends cleanly. (A client whose
    // connection dropped unnoticed must be able to open another at once.)
    if (entry->standalone) {
      entry->standalone->finish();
      entry->streams.erase(entry->standalone->id());
    }
    entry->standalone = std::make_shared<SseStream>(io.get_executor(), entry->next_stream++, true);
    entry->streams.emplace(entry->standalone->id(), entry->standalone);
    r.stream = entry->standalone;
    r.cursor = entry->standalone->messages().size();
    r.priming = true;
    entry->own(r, entry);
    return r;
  }

  Task<Reply> post(Exchange& x) {
    const auto& req = x.req;
    if (media_type(req[http::field::content_type]) != "application/json") {
      co_return Reply::whole(jsonrpc_error(req, http::status::unsupported_media_type, nullptr, jsonrpc::kInvalidRequest,
                                           "Content-Type must be application/json"));
    }
    auto parsed = jsonrpc::parse_message(req.body());
    if (!parsed) {
      co_return Reply::whole(jsonrpc_error(req, http::status::bad_request, parsed.error().id, parsed.error().code,
                                           parsed.error().message));
    }
    const auto accept = req[http::field::accept];
    // SSE only for a client that names it (a bare */* gets JSON).
    const bool wants_sse = !options.disable_streaming && req.version() >= 11 &&
                           accept.find("text/event-stream") != std::string_view::npos &&
                           accepts(accept, "text/event-stream");
    auto* request = std::get_if<jsonrpc::Request>(&*parsed);
    const json::object* meta = request ? find_object(request->params, "_meta") : nullptr;
    // A request is of the stateless era when its _meta names a version, or when the header
    // names one that is not of the session era (its _meta is then checked).
    const std::string_view header_version = req["MCP-Protocol-Version"];
    const bool modern_header = header_version == mcp::kModernVersion;
    if (request && ((meta && find(*meta, kMetaVersion)) || modern_header)) {
      co_return co_await stateless_call(x, std::move(*request), wants_sse);
    }

    // The session era.
    std::string id(req["Mcp-Session-Id"]);
    const json::value rpc_id = request ? request->id : json::value(nullptr);
    const bool initialize = request && request->method == "initialize";
    std::shared_ptr<SessionEntry> entry;
    if (initialize) {
      const auto client = client_of(x);
      if (!room_for(client)) {
        co_return Reply::whole(text_response(req, http::status::too_many_requests,
                                             "too many sessions busy for this client; end some (DELETE)\n"));
      }
      if (sessions.size() + stateless.size() >= options.max_sessions) {
        co_return Reply::whole(text_response(req, http::status::service_unavailable, "too many sessions\n"));
      }
      id = new_session_id();
      entry = std::make_shared<SessionEntry>();
      entry->session = std::make_shared<mcp::Session>(server);
      // What no request asked for (tools/list_changed) goes on the session's GET stream, when
      // the client keeps one open (the spec's place for it); otherwise it is dropped.
      entry->session->set_notifier([weak = std::weak_ptr<SessionEntry>(entry)](json::object n) {
        if (auto e = weak.lock(); e && e->standalone && !e->standalone->done()) e->standalone->push(to_json(n));
      });
      entry->caller = x.scope.caller->key;
      entry->client = client;
      entry->last_used = std::chrono::steady_clock::now();
      sessions.emplace(id, entry);
    } else if (id.empty()) {
      co_return Reply::whole(jsonrpc_error(req, http::status::bad_request, rpc_id, jsonrpc::kInvalidRequest,
                                           "Bad Request: Mcp-Session-Id header is required"));
    } else {
      entry = session_of(x, id);
    }
    if (!entry) {
      co_return Reply::whole(jsonrpc_error(req, http::status::not_found, rpc_id, jsonrpc::kInvalidRequest,
                                           "Session not found: initialize again"));
    }
    if (auto v = req["MCP-Protocol-Version"]; !v.empty() && !initialize) {
      bool known = false;
      for (auto s : mcp::kLegacyVersions) known |= (s == v);
      if (!known) {
        co_return Reply::whole(text_response(req, http::status::bad_request,
                                             fmt::format("unsupported MCP-Protocol-Version {}\n", v.substr(0, 64))));
      }
    }
    entry->last_used = std::chrono::steady_clock::now();
    const bool resumable = request && request->method == "tools/call";
    auto out = std::make_shared<SseStream>(io.get_executor(), resumable ? entry->next_stream++ : 0, resumable);
    if (resumable) entry->streams.emplace(out->id(), out);
    x.scope.session_id = id;
    auto call = run_call(entry->session, std::move(*parsed), x.scope, out);
    net::co_spawn(io, std::move(call), net::detached);
    auto reply = co_await answer(req, out, wants_sse, http::status::ok);
    entry->last_used = std::chrono::steady_clock::now();
    reply.res.set("Mcp-Session-Id", id);
    if (reply.stream) {
      reply.priming = resumable;
      if (resumable) entry->own(reply, entry);
    } else {
      entry->streams.erase(out->id());
    }
    entry->trim();
    co_return reply;
  }

  // 2026-07-28: each request stands alone; Mcp-Method / Mcp-Name must match the body.
  Task<Reply> stateless_call(Exchange& x, jsonrpc::Request request, bool wants_sse) {
    const auto& req = x.req;
    const auto id = request.id;
    if (req["Mcp-Method"] != request.method) {
      co_return Reply::whole(
          jsonrpc_error(req, http::status::bad_request, id, jsonrpc::kHeaderMismatch,
                        fmt::format("Mcp-Method header must equal the method \"{}\"", request.method)));
    }
    const json::object* meta = find_object(request.params, "_meta");
    const json::value* version = meta ? find(*meta, kMetaVersion) : nullptr;
    if (!version || !version->is_string()) {
      co_return Reply::whole(
          jsonrpc_error(req, http::status::bad_request, id, jsonrpc::kInvalidParams,
                        fmt::format("params._meta must carry \"{}\" (the MCP-Protocol-Version header says {})",
                                    kMetaVersion, req["MCP-Protocol-Version"].substr(0, 64))));
    }
    if (auto h = req["MCP-Protocol-Version"]; !h.empty() && h != version->get_string()) {
      co_return Reply::whole(jsonrpc_error(req, http::status::bad_request, id, jsonrpc::kHeaderMismatch,
                                           fmt::format("MCP-Protocol-Version header {} must equal params._meta "
                                                       "\"{}\" {}",
                                                       h.substr(0, 64), kMetaVersion, version->get_string())));
    }
    if (request.method == "tools/call" && req["Mcp-Name"] != string_or(request.params, "name")) {
      co_return Reply::whole(jsonrpc_error(req, http::status::bad_request, id, jsonrpc::kHeaderMismatch,
                                           "Mcp-Name header must equal params.name"));
    }
    auto& state = stateless[x.scope.caller->key];
    state.last_used = std::chrono::steady_clock::now();
    auto& session = state.session;
    if (!session) {
      session = std::make_shared<mcp::Session>(server);
      session->state().set(std::string(mcp::kStatelessKey), "1");
    }
    auto out = std::make_shared<SseStream>(io.get_executor(), 0, false);  // no resumption in this era
    jsonrpc::Message message = std::move(request);
    auto call = run_call(session, std::move(message), x.scope, out);
    net::co_spawn(io, std::move(call), net::detached);
    co_return co_await answer(req, out, wants_sse, std::nullopt);
  }

  // Waits for the call behind `out`: its answer as JSON when it comes quickly (or the client
  // takes no SSE), else an SSE stream that carries its notifications and then the answer.
  // `status` nullopt: derive it from the JSON-RPC error (stateless era).
  Task<Reply> answer(const Request& req, std::shared_ptr<SseStream> out, bool sse, std::optional<http::status> status) {
    const auto until =
        sse ? std::chrono::steady_clock::now() + kStreamAfter : std::chrono::steady_clock::time_point::max();
    bool late = false;
    while (!out->done() && !(sse && (late || !out->messages().empty()))) late = co_await out->wait_until(until);
    if (!out->done() || (sse && out->messages().size() > 1)) {
      co_return Reply{.res = sse_headers(req, ""), .stream = out};
    }
    if (!out->answered) co_return Reply::whole(text_response(req, http::status::accepted, ""));
    const auto code = status.value_or(stateless_status(out->error_code));
    co_return Reply::whole(text_response(req, code, out->messages().back(), "application/json"));
  }

  void sweep() {
    const auto every = std::clamp<std::chrono::milliseconds>(options.session_idle_timeout / 4,
                                                             std::chrono::milliseconds(100), std::chrono::seconds(30));
    sweeper.expires_after(every);
    sweeper.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopping) return;
      const auto now = std::chrono::steady_clock::now();
      std::erase_if(self->sessions, [&](auto& kv) {
        auto& e = *kv.second;
        const bool expired = e.session->in_flight() == 0 && e.open_streams == 0 &&
                             now - e.last_used > self->options.session_idle_timeout;
        if (expired) e.end("session expired");
        e.trim();
        return expired;
      });
      std::erase_if(self->stateless, [&](auto& kv) {
        return kv.second.session->in_flight() == 0 && now - kv.second.last_used > self->options.session_idle_timeout;
      });
      self->sweep();
    });
  }
};

StreamableEndpoint::StreamableEndpoint(net::io_context& io, mcp::Server& server, StreamableOptions options)
    : impl_(std::make_shared<Impl>(io, server, std::move(options))) {}

StreamableEndpoint::~StreamableEndpoint() {
  impl_->stopping = true;
  impl_->sweeper.cancel();
}

Handler StreamableEndpoint::handler() {
  return [impl = impl_](Exchange& x) { return impl->handle(x); };
}

void StreamableEndpoint::start() { impl_->sweep(); }

void StreamableEndpoint::begin_shutdown() {
  impl_->stopping = true;
  impl_->sweeper.cancel();
  for (auto& [id, e] : impl_->sessions) {
    if (e->standalone) e->standalone->finish();
  }
}

std::size_t StreamableEndpoint::busy() const {
  std::size_t n = 0;
  for (const auto& [k, s] : impl_->stateless) n += s.session->in_flight();
  for (const auto& [id, e] : impl_->sessions) n += e->session->in_flight();
  return n;
}

void StreamableEndpoint::cancel_all(std::string_view why) {
  for (auto& [id, e] : impl_->sessions) e->session->cancel_all(why);
  for (auto& [k, s] : impl_->stateless) s.session->cancel_all(why);
}

void StreamableEndpoint::close() {
  impl_->sessions.clear();
  impl_->stateless.clear();
}

std::size_t StreamableEndpoint::sessions() const { return impl_->sessions.size() + impl_->stateless.size(); }

}  // namespace mcpk::transport
