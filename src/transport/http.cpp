#include "transport/http.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>

#include "core/single_flight.hpp"
#include "jsonrpc/message.hpp"
#include "transport/sse.hpp"

namespace mcpk::transport {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view addr) {
  const auto colon = addr.rfind(':');
  if (colon == std::string_view::npos) return fail(Errc::invalid_argument, "expected [host]:port");
  std::string host(addr.substr(0, colon));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  unsigned port = 0;
  auto p = addr.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc{} || ptr != p.data() + p.size() || port > 65535) return fail(Errc::invalid_argument, "bad port");
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

namespace {

constexpr std::string_view kMetaVersion = "io.modelcontextprotocol/protocolVersion";

std::string new_session_id() {
  unsigned char bytes[16];
  RAND_bytes(bytes, sizeof bytes);
  std::string id;
  for (auto b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

bool local_host(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]";
}

// The host part of a Host header ("example.com:8080" → "example.com").
std::string_view host_only(std::string_view h) {
  if (h.starts_with('[')) return h.substr(0, h.find(']') + 1);
  return h.substr(0, h.find(':'));
}

Response text(const Request& req, http::status status, std::string body, std::string_view type = "text/plain") {
  Response res{status, req.version()};
  res.set(http::field::content_type, type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, http::status status, const json::value& body) {
  return text(req, status, to_json(body), "application/json");
}

int error_code_of(const json::object& msg) {
  const auto* e = find_object(msg, "error");
  return e ? static_cast<int>(find_int(*e, "code").value_or(0)) : 0;
}

// A tools/call that has not answered by then, or that sends a notification, gets an SSE stream;
// a quicker one a plain JSON body.
constexpr auto kStreamAfter = std::chrono::milliseconds(200);
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr auto kRetry = std::chrono::milliseconds(1000);
constexpr std::size_t kKeptStreams = 16;            // undelivered streams a session keeps for resumption
constexpr auto kKeptFor = std::chrono::minutes(2);  // ... and for how long after they finished

// The HTTP status of a stateless-era answer, from its JSON-RPC error code.
http::status stateless_status(int code) {
  if (code == jsonrpc::kMethodNotFound) return http::status::not_found;
  if (code == jsonrpc::kUnsupportedProtocolVersion || code == jsonrpc::kInvalidParams ||
      code == jsonrpc::kMissingRequiredClientCapability)
    return http::status::bad_request;
  return http::status::ok;
}

// Runs one call; its notifications and response go to `out`, which outlives the connection.
Task<void> run_call(std::shared_ptr<mcp::Session> session, jsonrpc::Message message, std::shared_ptr<SseStream> out) {
  mcp::Session::Send send = [out](json::object n) { out->push(to_json(n)); };
  const auto* request = std::get_if<jsonrpc::Request>(&message);
  const json::value id = request ? request->id : json::value(nullptr);
  std::optional<json::object> result;
  try {
    result = co_await session->handle(std::move(message), send);
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

// Runs `step` again after `delay`: one poll of the shutdown.
template <class F>
void again_after(net::io_context& io, std::chrono::milliseconds delay, F step) {
  auto timer = std::make_shared<net::steady_timer>(io, delay);
  timer->async_wait([timer, step](boost::system::error_code) { step(); });
}

struct HttpTransport::Impl : std::enable_shared_from_this<Impl> {
  struct SessionEntry {
    std::shared_ptr<mcp::Session> session;  // shared: a DELETE must not free it under a call in flight
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
  };

  // What a request gets: a whole response, or the headers of an SSE stream to write from `cursor`.
  struct Reply {
    Response res{};
    std::shared_ptr<SseStream> stream{};
    std::shared_ptr<SessionEntry> owner{};  // the session a resumable stream belongs to
    std::size_t cursor = 0;
    bool priming = false;
  };

  net::io_context& io;
  mcp::Server& server;
  HttpOptions options;
  tcp::acceptor acceptor;
  net::steady_timer sweeper;
  std::optional<net::ssl::context> tls;
  std::map<std::string, std::shared_ptr<SessionEntry>> sessions;
  // 2026-07-28 requests have no session; what they open (port-forwards, by handle) lives here.
  std::shared_ptr<mcp::Session> stateless_session;
  std::map<beast::tcp_stream*, bool> connections;  // value: idle, waiting for a request
  bool stopping = false;

  Impl(net::io_context& ctx, mcp::Server& s, HttpOptions o)
      : io(ctx), server(s), options(std::move(o)), acceptor(ctx), sweeper(ctx) {}

  bool origin_allowed(std::string_view origin) const {
    if (std::ranges::find(options.allowed_origins, "*") != options.allowed_origins.end()) return true;
    if (std::ranges::find(options.allowed_origins, origin) != options.allowed_origins.end()) return true;
    auto u = boost::urls::parse_absolute_uri(origin);
    return u && local_host(u->host());
  }

  bool host_allowed(std::string_view host) const {
    if (host.empty()) return true;
    if (std::ranges::find(options.allowed_origins, "*") != options.allowed_origins.end()) return true;
    const auto h = host_only(host);
    if (local_host(h)) return true;
    for (const auto& o : options.allowed_origins) {
      if (auto u = boost::urls::parse_absolute_uri(o); u && u->host() == h) return true;
    }
    return false;
  }

  static Reply whole(Response res) { return Reply{.res = std::move(res)}; }

  // The readiness check, kept for readiness_ttl; probes arriving together share one check.
  SingleFlight<Result<void>> readiness_flight;
  std::optional<Result<void>> readiness_result;
  std::chrono::steady_clock::time_point readiness_at{};

  Task<Result<void>> readiness() {
    if (!options.readiness) co_return Result<void>{};
    for (;;) {
      if (readiness_result && std::chrono::steady_clock::now() - readiness_at < options.readiness_ttl)
        co_return *readiness_result;
      if (readiness_flight.busy()) {
        if (auto shared = co_await readiness_flight.join()) co_return *shared;
        continue;
      }
      auto lead = readiness_flight.lead(io.get_executor());
      auto r = co_await options.readiness();
      readiness_result = r;
      readiness_at = std::chrono::steady_clock::now();
      co_return lead.finish(std::move(r));
    }
  }

  Task<Reply> handle(const Request& req) {
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/healthz") co_return whole(text(req, http::status::ok, "ok\n"));
    if (path == "/readyz") {
      if (stopping) co_return whole(text(req, http::status::service_unavailable, "not ready: shutting down\n"));
      auto ready = co_await readiness();
      if (!ready) {
        co_return whole(text(req, http::status::service_unavailable, "not ready: " + ready.error().message + "\n"));
      }
      co_return whole(text(req, http::status::ok, "ok\n"));
    }
    if (path != options.endpoint) co_return whole(text(req, http::status::not_found, "not found\n"));
    // DNS-rebinding protection: a browser page from elsewhere must not reach a local server.
    if (auto origin = req[http::field::origin]; !origin.empty() && !origin_allowed(origin)) {
      co_return whole(
          json_response(req, http::status::forbidden,
                        jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Forbidden: origin not allowed")));
    }
    if (!host_allowed(req[http::field::host])) {
      co_return whole(
          json_response(req, http::status::forbidden,
                        jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Forbidden: host not allowed")));
    }
    if (req.method() == http::verb::delete_) {
      const std::string id(req["Mcp-Session-Id"]);
      if (id.empty()) co_return whole(text(req, http::status::bad_request, "Mcp-Session-Id required\n"));
      auto it = sessions.find(id);
      if (it == sessions.end()) co_return whole(text(req, http::status::not_found, "unknown session\n"));
      it->second->end("session deleted");
      sessions.erase(it);
      co_return whole(text(req, http::status::no_content, ""));
    }
    if (req.method() == http::verb::get && !req["Mcp-Session-Id"].empty() && !options.disable_streaming) {
      co_return get(req);
    }
    if (req.method() != http::verb::post) {
      // GET without a session: the 2026-07-28 revision has no server stream.
      auto res = text(req, http::status::method_not_allowed,
                      options.disable_streaming ? "use POST (and DELETE to end a session); streaming is disabled\n"
                                                : "use POST; GET needs an Mcp-Session-Id; DELETE ends a session\n");
      res.set(http::field::allow, options.disable_streaming ? "POST, DELETE" : "GET, POST, DELETE");
      co_return whole(std::move(res));
    }
    co_return co_await post(req);
  }

  // GET: the session's server-to-client stream, or the rest of a stream after Last-Event-ID.
  Reply get(const Request& req) {
    if (req[http::field::accept].find("text/event-stream") == std::string_view::npos) {
      return whole(text(req, http::status::not_acceptable, "GET opens an SSE stream: Accept text/event-stream\n"));
    }
    if (req.version() < 11) return whole(text(req, http::status::bad_request, "GET streams need HTTP/1.1\n"));
    auto it = sessions.find(std::string(req["Mcp-Session-Id"]));
    if (it == sessions.end()) {
      return whole(
          json_response(req, http::status::not_found,
                        jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Session not found: initialize again")));
    }
    auto entry = it->second;
    entry->last_used = std::chrono::steady_clock::now();
    Reply r{.res = sse_headers(req, it->first), .owner = entry};
    if (auto last = req["Last-Event-ID"]; !last.empty()) {
      auto pos = parse_event_id(last);
      auto s = pos ? entry->streams.find(pos->first) : entry->streams.end();
      if (s == entry->streams.end() || pos->second > s->second->messages().size()) {
        return whole(text(req, http::status::bad_request,
                          fmt::format("Last-Event-ID {} is not a stream of this session (or it was delivered and "
                                      "dropped)\n",
                                      last)));
      }
      r.stream = s->second;
      r.cursor = pos->second;
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
    return r;
  }

  static Response sse_headers(const Request& req, std::string_view session_id) {
    Response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    if (!session_id.empty()) res.set("Mcp-Session-Id", session_id);
    res.keep_alive(req.keep_alive());
    return res;
  }

  Task<Reply> post(const Request& req) {
    if (auto ct = req[http::field::content_type]; ct.find("application/json") == std::string_view::npos) {
      co_return whole(json_response(
          req, http::status::unsupported_media_type,
          jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Content-Type must be application/json")));
    }
    auto parsed = jsonrpc::parse_message(req.body());
    if (!parsed) {
      co_return whole(
          json_response(req, http::status::bad_request,
                        jsonrpc::make_error(parsed.error().id, parsed.error().code, parsed.error().message)));
    }
    const bool wants_sse = !options.disable_streaming && req.version() >= 11 &&
                           req[http::field::accept].find("text/event-stream") != std::string_view::npos;
    auto* request = std::get_if<jsonrpc::Request>(&*parsed);
    const json::object* meta = request ? find_object(request->params, "_meta") : nullptr;
    // A request is of the stateless era when its _meta names a version, or when the header
    // names one that is not of the session era (its _meta is then checked).
    const std::string_view header_version = req["MCP-Protocol-Version"];
    const bool modern_header = header_version == mcp::kModernVersion;
    if (request && ((meta && find(*meta, kMetaVersion)) || modern_header))
      co_return co_await stateless(req, std::move(*request), wants_sse);

    // The session era.
    std::string id(req["Mcp-Session-Id"]);
    const bool initialize = request && request->method == "initialize";
    if (initialize) {
      if (sessions.size() >= options.max_sessions) {
        co_return whole(text(req, http::status::service_unavailable, "too many sessions\n"));
      }
      id = new_session_id();
      auto entry = std::make_shared<SessionEntry>();
      entry->session = std::make_shared<mcp::Session>(server);
      entry->last_used = std::chrono::steady_clock::now();
      sessions.emplace(id, std::move(entry));
    } else if (id.empty()) {
      co_return whole(
          json_response(req, http::status::bad_request,
                        jsonrpc::make_error(request ? request->id : json::value(nullptr), jsonrpc::kInvalidRequest,
                                            "Bad Request: Mcp-Session-Id header is required")));
    }
    auto it = sessions.find(id);
    if (it == sessions.end()) {
      co_return whole(
          json_response(req, http::status::not_found,
                        jsonrpc::make_error(request ? request->id : json::value(nullptr), jsonrpc::kInvalidRequest,
                                            "Session not found: initialize again")));
    }
    if (auto v = req["MCP-Protocol-Version"]; !v.empty() && !initialize) {
      bool known = false;
      for (auto s : mcp::kLegacyVersions) known |= (s == v);
      if (!known)
        co_return whole(text(req, http::status::bad_request, fmt::format("unsupported MCP-Protocol-Version {}\n", v)));
    }
    const auto entry = it->second;
    entry->last_used = std::chrono::steady_clock::now();
    const bool resumable = request && request->method == "tools/call";
    auto out = std::make_shared<SseStream>(io.get_executor(), resumable ? entry->next_stream++ : 0, resumable);
    if (resumable) entry->streams.emplace(out->id(), out);
    auto call = run_call(entry->session, std::move(*parsed), out);
    net::co_spawn(io, std::move(call), net::detached);
    auto reply = co_await answer(req, out, wants_sse, http::status::ok);
    entry->last_used = std::chrono::steady_clock::now();
    reply.res.set("Mcp-Session-Id", id);
    if (reply.stream) {
      reply.owner = entry;
      reply.priming = resumable;
    } else {
      entry->streams.erase(out->id());
    }
    entry->trim();
    co_return reply;
  }

  // 2026-07-28: each request stands alone; Mcp-Method / Mcp-Name must match the body.
  Task<Reply> stateless(const Request& req, jsonrpc::Request request, bool wants_sse) {
    const auto id = request.id;
    if (req["Mcp-Method"] != request.method) {
      co_return whole(json_response(
          req, http::status::bad_request,
          jsonrpc::make_error(id, jsonrpc::kHeaderMismatch,
                              fmt::format("Mcp-Method header must equal the method \"{}\"", request.method))));
    }
    const json::object* meta = find_object(request.params, "_meta");
    const json::value* version = meta ? find(*meta, kMetaVersion) : nullptr;
    if (!version || !version->is_string()) {
      co_return whole(json_response(
          req, http::status::bad_request,
          jsonrpc::make_error(id, jsonrpc::kInvalidParams,
                              fmt::format("params._meta must carry \"{}\" (the MCP-Protocol-Version header says {})",
                                          kMetaVersion, req["MCP-Protocol-Version"]))));
    }
    if (auto h = req["MCP-Protocol-Version"]; !h.empty() && h != version->get_string()) {
      co_return whole(json_response(
          req, http::status::bad_request,
          jsonrpc::make_error(id, jsonrpc::kHeaderMismatch,
                              fmt::format("MCP-Protocol-Version header {} must equal params._meta \"{}\" {}", h,
                                          kMetaVersion, version->get_string()))));
    }
    if (request.method == "tools/call") {
      if (req["Mcp-Name"] != string_or(request.params, "name")) {
        co_return whole(
            json_response(req, http::status::bad_request,
                          jsonrpc::make_error(id, jsonrpc::kHeaderMismatch, "Mcp-Name header must equal params.name")));
      }
    }
    if (!stateless_session) {
      stateless_session = std::make_shared<mcp::Session>(server);
      stateless_session->state().set(std::string(mcp::kStatelessKey), "1");
    }
    auto out = std::make_shared<SseStream>(io.get_executor(), 0, false);  // no resumption in this era
    jsonrpc::Message message = std::move(request);
    auto call = run_call(stateless_session, std::move(message), out);
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
    if (!out->done() || (sse && out->messages().size() > 1))
      co_return Reply{.res = sse_headers(req, ""), .stream = out};
    if (!out->answered) co_return whole(text(req, http::status::accepted, ""));
    const auto code = status.value_or(stateless_status(out->error_code));
    co_return whole(text(req, code, out->messages().back(), "application/json"));
  }

  // Writes an SSE reply: the headers, then the stream's events as they come, until it is done.
  // False when the client went away (the stream stays for a resumption).
  template <class Stream>
  Task<bool> write_sse(Stream& stream, Reply& r) {
    auto& lowest = beast::get_lowest_layer(stream);
    http::response<http::empty_body> head{r.res.result(), r.res.version()};
    for (const auto& f : r.res) head.set(f.name_string(), f.value());
    head.keep_alive(r.res.keep_alive() && !stopping);
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    lowest.expires_after(std::chrono::seconds(30));
    if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple); ec) co_return false;
    auto s = r.stream;
    ++s->writers;
    if (r.owner) ++r.owner->open_streams;
    std::size_t cursor = r.cursor;
    bool ok = true;
    auto send = [&](std::string data) -> Task<bool> {
      auto chunk = http::make_chunk(net::buffer(data));
      lowest.expires_after(std::chrono::seconds(30));
      auto [ec, n] = co_await net::async_write(stream, chunk, use_tuple);
      co_return !ec;
    };
    if (r.priming) {
      auto priming = s->priming_event(kRetry);
      ok = co_await send(std::move(priming));
    }
    while (ok) {
      while (ok && cursor < s->messages().size()) {
        auto event = s->event(cursor);
        ok = co_await send(std::move(event));
        if (ok) ++cursor;
      }
      if (!ok || s->done()) break;
      const bool idle = co_await s->wait_until(std::chrono::steady_clock::now() + kKeepAlive);
      if (idle && !s->done()) {
        std::string comment = ": keepalive\n\n";
        ok = co_await send(std::move(comment));
      }
    }
    if (ok) {
      auto last = http::make_chunk_last();
      lowest.expires_after(std::chrono::seconds(30));
      auto [ec, n] = co_await net::async_write(stream, last, use_tuple);
      ok = !ec;
    }
    --s->writers;
    if (r.owner) {
      --r.owner->open_streams;
      r.owner->last_used = std::chrono::steady_clock::now();
      if (ok && s->done() && cursor == s->messages().size()) r.owner->streams.erase(s->id());  // delivered
    }
    co_return ok;
  }

  template <class Stream>
  Task<void> serve_stream(Stream& stream) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      lowest.expires_after(std::chrono::minutes(5));
      connections[&lowest] = true;
      if (stopping) break;
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
      connections[&lowest] = false;
      if (ec == http::error::body_limit) {
        Request dummy;
        auto res =
            text(dummy, http::status::payload_too_large,
                 fmt::format("request body larger than {} bytes (--max-request-size)\n", options.max_body_bytes));
        res.keep_alive(false);
        co_await http::async_write(stream, res, use_tuple);
        break;
      }
      if (ec) break;
      Request req = parser.release();
      Reply reply;
      try {
        reply = co_await handle(req);
      } catch (const std::exception& e) {
        spdlog::error("http: unexpected failure: {}", e.what());
        reply = whole(text(req, http::status::internal_server_error, "internal error\n"));
      }
      if (reply.stream) {
        if (!co_await write_sse(stream, reply) || !reply.res.keep_alive() || stopping) break;
        continue;
      }
      auto& res = reply.res;
      const bool keep = res.keep_alive() && !stopping;
      res.keep_alive(keep);
      lowest.expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || !keep) break;
    }
  }

  // Keeps a connection in `connections` (closed by stop()) for as long as its coroutine runs,
  // however that ends.
  struct Registered {
    std::map<beast::tcp_stream*, bool>& set;
    beast::tcp_stream* stream;
    Registered(std::map<beast::tcp_stream*, bool>& s, beast::tcp_stream* st) : set(s), stream(st) {
      set.emplace(stream, true);
    }
    Registered(const Registered&) = delete;
    Registered& operator=(const Registered&) = delete;
    ~Registered() { set.erase(stream); }
  };

  Task<void> serve_connection(tcp::socket socket) {
    auto self = shared_from_this();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // SSE events and small answers go out at once
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      Registered registered(connections, &stream);
      co_await serve_stream(stream);
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    auto& lowest = beast::get_lowest_layer(stream);
    Registered registered(connections, &lowest);
    lowest.expires_after(std::chrono::seconds(10));
    if (auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple); !ec) {
      co_await serve_stream(stream);
      lowest.expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(use_tuple);
    }
    lowest.socket().close(ignored);
  }

  Task<void> accept_loop() {
    auto self = shared_from_this();
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec || stopping) co_return;
      net::co_spawn(io, serve_connection(std::move(socket)), net::detached);
    }
  }

  void sweep() {
    const auto every = std::clamp<std::chrono::milliseconds>(options.session_idle_timeout / 4,
                                                             std::chrono::milliseconds(100), std::chrono::seconds(30));
    sweeper.expires_after(every);
    sweeper.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopping) return;
      const auto now = std::chrono::steady_clock::now();
      std::erase_if(self->sessions, [&](auto& kv) {
        auto& e = *kv.second;
        const bool expired = e.session->in_flight() == 0 && e.open_streams == 0 &&
                             now - e.last_used > self->options.session_idle_timeout;
        if (expired) e.end("session expired");
        e.trim();
        return expired;
      });
      self->sweep();
    });
  }
};

HttpTransport::HttpTransport(net::io_context& io, mcp::Server& server, HttpOptions options)
    : impl_(std::make_shared<Impl>(io, server, std::move(options))) {}
HttpTransport::~HttpTransport() { stop(); }

Result<void> HttpTransport::listen() {
  auto& d = *impl_;
  boost::system::error_code ec;
  if (!d.options.tls_cert_file.empty()) {
    d.tls.emplace(net::ssl::context::tls_server);
    d.tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    d.tls->use_certificate_chain_file(d.options.tls_cert_file, ec);
    if (ec)
      return fail(Errc::invalid_argument, fmt::format("--tls-cert-file {}: not a PEM certificate chain ({})",
                                                      d.options.tls_cert_file, ec.message()));
    d.tls->use_private_key_file(d.options.tls_key_file, net::ssl::context::pem, ec);
    if (ec)
      return fail(Errc::invalid_argument,
                  fmt::format("--tls-key-file {}: not a PEM private key for the certificate ({})",
                              d.options.tls_key_file, ec.message()));
  }
  const auto addr = net::ip::make_address(d.options.address, ec);
  if (ec)
    return fail(Errc::invalid_argument, fmt::format("--http-addr: \"{}\" is not an IP address", d.options.address));
  tcp::endpoint ep(addr, d.options.port);
  d.acceptor.open(ep.protocol(), ec);
  if (!ec) d.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) d.acceptor.bind(ep, ec);
  if (!ec) d.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(Errc::unavailable, fmt::format("--http-addr: cannot listen on {}:{}: {}", d.options.address,
                                               d.options.port, ec.message()));
  return {};
}

std::uint16_t HttpTransport::port() const { return impl_->acceptor.local_endpoint().port(); }

bool HttpTransport::tls() const { return impl_->tls.has_value(); }

Task<void> HttpTransport::run() {
  auto impl = impl_;
  impl->sweep();
  co_await impl->accept_loop();
}

void HttpTransport::stop() {
  auto& d = *impl_;
  if (d.stopping) return;
  d.stopping = true;
  boost::system::error_code ignored;
  d.acceptor.close(ignored);
  d.sweeper.cancel();
  // Server-to-client streams end now (their writers send what is left and close).
  for (auto& [id, e] : d.sessions) {
    if (e->standalone) e->standalone->finish();
  }
  const auto deadline = std::chrono::steady_clock::now() + d.options.shutdown_timeout;
  // Last step: connections waiting for a request close at once; those still writing an answer
  // or an SSE stream get up to a second to finish it; then everything closes.
  auto close_all = [self = impl_](auto&& again, std::chrono::steady_clock::time_point until) -> void {
    boost::system::error_code ec;
    bool writing = false;
    for (auto& [c, idle] : self->connections) {
      if (idle) {
        c->socket().close(ec);
      } else {
        writing = true;
      }
    }
    if (writing && std::chrono::steady_clock::now() < until) {
      again_after(self->io, std::chrono::milliseconds(20), [again, until] { again(again, until); });
      return;
    }
    for (auto& [c, idle] : self->connections) c->socket().close(ec);
    self->sessions.clear();
    self->stateless_session.reset();
  };
  // First: poll until the calls in flight are done or the bound has passed, then cancel the rest.
  auto drain = [self = impl_, close_all](auto&& again, std::chrono::steady_clock::time_point until) -> void {
    std::size_t busy = self->stateless_session ? self->stateless_session->in_flight() : 0;
    for (auto& [id, s] : self->sessions) busy += s->session->in_flight();
    if (busy > 0 && std::chrono::steady_clock::now() < until) {
      again_after(self->io, std::chrono::milliseconds(50), [again, until] { again(again, until); });
      return;
    }
    if (busy > 0) spdlog::warn("shutdown: cancelling {} call(s) still in flight", busy);
    for (auto& [id, s] : self->sessions) s->session->cancel_all("shutdown");
    if (self->stateless_session) self->stateless_session->cancel_all("shutdown");
    close_all(close_all, std::chrono::steady_clock::now() + std::chrono::seconds(1));
  };
  drain(drain, deadline);
}

}  // namespace mcpk::transport
