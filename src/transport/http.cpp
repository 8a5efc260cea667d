#include "transport/http.hpp"

#include <openssl/rand.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <map>
#include <set>

#include "jsonrpc/message.hpp"

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

}  // namespace

struct HttpTransport::Impl : std::enable_shared_from_this<Impl> {
  struct SessionEntry {
    std::shared_ptr<mcp::Session> session;  // shared: a DELETE must not free it under a call in flight
    std::chrono::steady_clock::time_point last_used;
  };

  net::io_context& io;
  mcp::Server& server;
  HttpOptions options;
  tcp::acceptor acceptor;
  net::steady_timer sweeper;
  std::map<std::string, SessionEntry> sessions;
  // 2026-07-28 requests have no session; what they open (port-forwards, by handle) lives here.
  std::shared_ptr<mcp::Session> stateless_session;
  std::set<std::shared_ptr<beast::tcp_stream>> connections;
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

  Task<Response> handle(const Request& req) {
    const std::string target(req.target());
    const std::string path = target.substr(0, target.find('?'));
    if (path == "/healthz") co_return text(req, http::status::ok, "ok\n");
    if (path == "/readyz")
      co_return text(req, stopping ? http::status::service_unavailable : http::status::ok,
                     stopping ? "shutting down\n" : "ok\n");
    if (path != options.endpoint) co_return text(req, http::status::not_found, "not found\n");
    // DNS-rebinding protection: a browser page from elsewhere must not reach a local server.
    if (auto origin = req[http::field::origin]; !origin.empty() && !origin_allowed(origin)) {
      co_return json_response(req, http::status::forbidden,
                              jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Forbidden: origin not allowed"));
    }
    if (!host_allowed(req[http::field::host])) {
      co_return json_response(req, http::status::forbidden,
                              jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Forbidden: host not allowed"));
    }
    if (req.method() == http::verb::delete_) {
      const std::string id(req["Mcp-Session-Id"]);
      if (id.empty()) co_return text(req, http::status::bad_request, "Mcp-Session-Id required\n");
      auto it = sessions.find(id);
      if (it == sessions.end()) co_return text(req, http::status::not_found, "unknown session\n");
      sessions.erase(it);
      co_return text(req, http::status::no_content, "");
    }
    if (req.method() != http::verb::post) {
      auto res = text(req, http::status::method_not_allowed, "use POST (and DELETE to end a session)\n");
      res.set(http::field::allow, "POST, DELETE");
      co_return res;
    }
    co_return co_await post(req);
  }

  Task<Response> post(const Request& req) {
    if (auto ct = req[http::field::content_type]; ct.find("application/json") == std::string_view::npos) {
      co_return json_response(
          req, http::status::unsupported_media_type,
          jsonrpc::make_error(nullptr, jsonrpc::kInvalidRequest, "Content-Type must be application/json"));
    }
    auto parsed = jsonrpc::parse_message(req.body());
    if (!parsed) {
      co_return json_response(req, http::status::bad_request,
                              jsonrpc::make_error(parsed.error().id, parsed.error().code, parsed.error().message));
    }
    const bool wants_sse =
        !options.disable_streaming && req[http::field::accept].find("text/event-stream") != std::string_view::npos;
    auto* request = std::get_if<jsonrpc::Request>(&*parsed);
    const json::object* meta = request ? find_object(request->params, "_meta") : nullptr;
    if (request && meta && find(*meta, kMetaVersion)) co_return co_await stateless(req, std::move(*request), wants_sse);

    // The session era.
    std::string id(req["Mcp-Session-Id"]);
    const bool initialize = request && request->method == "initialize";
    if (initialize) {
      if (sessions.size() >= options.max_sessions) {
        co_return text(req, http::status::service_unavailable, "too many sessions\n");
      }
      id = new_session_id();
      sessions.emplace(id, SessionEntry{std::make_shared<mcp::Session>(server), std::chrono::steady_clock::now()});
    } else if (id.empty()) {
      co_return json_response(
          req, http::status::bad_request,
          jsonrpc::make_error(request ? request->id : json::value(nullptr), jsonrpc::kInvalidRequest,
                              "Bad Request: Mcp-Session-Id header is required"));
    }
    auto it = sessions.find(id);
    if (it == sessions.end()) {
      co_return json_response(req, http::status::not_found,
                              jsonrpc::make_error(request ? request->id : json::value(nullptr),
                                                  jsonrpc::kInvalidRequest, "Session not found: initialize again"));
    }
    if (auto v = req["MCP-Protocol-Version"]; !v.empty() && !initialize) {
      bool known = false;
      for (auto s : mcp::kLegacyVersions) known |= (s == v);
      if (!known)
        co_return text(req, http::status::bad_request, fmt::format("unsupported MCP-Protocol-Version {}\n", v));
    }
    it->second.last_used = std::chrono::steady_clock::now();
    const auto session_ref = it->second.session;
    auto& session = *session_ref;
    std::vector<json::object> notes;
    mcp::Session::Send collect = [&notes](json::object n) { notes.push_back(std::move(n)); };
    auto result = co_await session.handle(std::move(*parsed), collect);
    if (!result) co_return text(req, http::status::accepted, "");
    auto res = reply(req, *result, notes, wants_sse, http::status::ok);
    res.set("Mcp-Session-Id", id);
    co_return res;
  }

  // 2026-07-28: each request stands alone; Mcp-Method / Mcp-Name must match the body.
  Task<Response> stateless(const Request& req, jsonrpc::Request request, bool wants_sse) {
    const auto id = request.id;
    if (req["Mcp-Method"] != request.method) {
      co_return json_response(
          req, http::status::bad_request,
          jsonrpc::make_error(id, jsonrpc::kHeaderMismatch,
                              fmt::format("Mcp-Method header must equal the method \"{}\"", request.method)));
    }
    if (request.method == "tools/call") {
      if (req["Mcp-Name"] != string_or(request.params, "name")) {
        co_return json_response(
            req, http::status::bad_request,
            jsonrpc::make_error(id, jsonrpc::kHeaderMismatch, "Mcp-Name header must equal params.name"));
      }
    }
    if (!stateless_session) {
      stateless_session = std::make_shared<mcp::Session>(server);
      stateless_session->state().set(std::string(mcp::kStatelessKey), "1");
    }
    const auto keep = stateless_session;
    auto& session = *keep;
    std::vector<json::object> notes;
    mcp::Session::Send collect = [&notes](json::object n) { notes.push_back(std::move(n)); };
    jsonrpc::Message message = std::move(request);
    auto result = co_await session.handle(std::move(message), collect);
    if (!result) co_return text(req, http::status::accepted, "");
    const int code = error_code_of(*result);
    const auto status = code == jsonrpc::kMethodNotFound ? http::status::not_found
                        : (code == jsonrpc::kUnsupportedProtocolVersion || code == jsonrpc::kInvalidParams ||
                           code == jsonrpc::kMissingRequiredClientCapability)
                            ? http::status::bad_request
                            : http::status::ok;
    co_return reply(req, *result, notes, wants_sse && status == http::status::ok, status);
  }

  // JSON, or an SSE body: the request's notifications first, then the response.
  Response reply(const Request& req, const json::object& result, const std::vector<json::object>& notes, bool sse,
                 http::status status) {
    if (!sse || notes.empty()) return json_response(req, status, result);
    std::string body;
    for (const auto& n : notes) body += "event: message\ndata: " + to_json(n) + "\n\n";
    body += "event: message\ndata: " + to_json(result) + "\n\n";
    auto res = text(req, status, std::move(body), "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");
    return res;
  }

  Task<void> serve_connection(tcp::socket socket) {
    auto self = shared_from_this();
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    connections.insert(stream);
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      stream->expires_after(std::chrono::minutes(5));
      auto [ec, n] = co_await http::async_read(*stream, buffer, parser, use_tuple);
      if (ec == http::error::body_limit) {
        Request dummy;
        auto res =
            text(dummy, http::status::payload_too_large,
                 fmt::format("request body larger than {} bytes (--max-request-size)\n", options.max_body_bytes));
        res.keep_alive(false);
        co_await http::async_write(*stream, res, use_tuple);
        break;
      }
      if (ec) break;
      Request req = parser.release();
      Response res;
      try {
        res = co_await handle(req);
      } catch (const std::exception& e) {
        spdlog::error("http: unexpected failure: {}", e.what());
        res = text(req, http::status::internal_server_error, "internal error\n");
      }
      const bool keep = res.keep_alive() && !stopping;
      res.keep_alive(keep);
      auto [wec, wn] = co_await http::async_write(*stream, res, use_tuple);
      if (wec || !keep) break;
    }
    boost::system::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    connections.erase(stream);
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
    sweeper.expires_after(std::chrono::seconds(30));
    sweeper.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->stopping) return;
      const auto now = std::chrono::steady_clock::now();
      std::erase_if(self->sessions, [&](const auto& kv) {
        return kv.second.session->in_flight() == 0 && now - kv.second.last_used > self->options.session_idle_timeout;
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
  const auto deadline = std::chrono::steady_clock::now() + d.options.shutdown_timeout;
  // Poll until the calls in flight are done or the bound has passed; then close everything.
  auto finish = [self = impl_](auto&& again, std::chrono::steady_clock::time_point until) -> void {
    std::size_t busy = self->stateless_session ? self->stateless_session->in_flight() : 0;
    for (auto& [id, s] : self->sessions) busy += s.session->in_flight();
    if (busy > 0 && std::chrono::steady_clock::now() < until) {
      auto timer = std::make_shared<net::steady_timer>(self->io, std::chrono::milliseconds(50));
      timer->async_wait([timer, again, until](boost::system::error_code) { again(again, until); });
      return;
    }
    if (busy > 0) spdlog::warn("shutdown: cancelling {} call(s) still in flight", busy);
    for (auto& [id, s] : self->sessions) s.session->cancel_all("shutdown");
    if (self->stateless_session) self->stateless_session->cancel_all("shutdown");
    boost::system::error_code ec;
    for (auto& c : self->connections) c->socket().close(ec);
    self->sessions.clear();
    self->stateless_session.reset();
  };
  finish(finish, deadline);
}

}  // namespace mcpk::transport
