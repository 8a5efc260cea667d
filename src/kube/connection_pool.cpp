#include "kube/connection_pool.hpp"

#include <malloc.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include "kube/endpoint.hpp"
#include "kube/status.hpp"
#include "kube/websocket_impl.hpp"

namespace mcpk::kube {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Stream = TlsStream;

namespace {

// Answers at least this large make release_memory_after_large_answers() trim the heap.
constexpr std::size_t kLargeAnswer = 4 * 1024 * 1024;
bool large_answers_read = false;  // one io_context thread

struct Connection {
  Stream stream;
  beast::flat_buffer buffer;
  Connection(net::any_io_executor ex, ssl::context& ctx) : stream(ex, ctx) {}
};

std::optional<http::verb> to_verb(std::string_view m) {
  if (m == "GET") return http::verb::get;
  if (m == "POST") return http::verb::post;
  if (m == "PUT") return http::verb::put;
  if (m == "PATCH") return http::verb::patch;
  if (m == "DELETE") return http::verb::delete_;
  return std::nullopt;
}

bool is_ip(std::string_view host) {
  boost::system::error_code ec;
  net::ip::make_address(std::string(host), ec);
  return !ec;
}

Error net_error(std::string_view what, std::string_view endpoint, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) {
    return Error(Errc::timeout, fmt::format("the deadline passed during {} ({})", what, endpoint));
  }
  return Error(Errc::unavailable,
               fmt::format("cannot reach the API server at {} ({}: {})", endpoint, what, ec.message()));
}

// Length-prefixed, so that no two different field lists give the same key.
void key_field(std::string& key, std::string_view field) { key += fmt::format("{}:{};", field.size(), field); }

}  // namespace

Error stopped(const CancelTokenPtr& cancel, std::string_view stage) {
  const auto& why = cancel->reason();
  return Error(why == "timeout" ? Errc::timeout : Errc::cancelled, fmt::format("stopped ({}) while {}", why, stage));
}

struct ConnectionPool::Impl {
  net::any_io_executor executor;
  TransportOptions options;
  std::string tls_server_name;
  bool insecure = false;
  ssl::context tls{ssl::context::tls_client};
  std::string host, port, base_path, endpoint;
  std::string proxy_host, proxy_port, proxy_auth;  // HTTP CONNECT proxy (proxy-url), if any
  std::deque<std::unique_ptr<Connection>> idle;
  std::size_t opened = 0;
  std::size_t in_use = 0;  // pooled connections carrying a request
  // A call waiting for a connection; done_with_connection() hands it the slot (granted) and
  // cancels its timer, which otherwise expires at the call's deadline.
  struct Waiter {
    Waiter(const net::any_io_executor& ex, Clock::time_point deadline) : timer(ex, deadline) {}
    net::steady_timer timer;
    bool granted = false;
  };
  std::deque<std::shared_ptr<Waiter>> waiters;

  Impl(net::any_io_executor ex, const TransportOptions& opts) : executor(std::move(ex)), options(opts) {}

  Result<void> init(const RestConfig& config) {
    auto ep = parse_endpoint(config);
    if (!ep) return std::unexpected(ep.error());
    host = std::move(ep->host);
    port = std::move(ep->port);
    base_path = std::move(ep->base_path);
    endpoint = std::move(ep->endpoint);
    proxy_host = std::move(ep->proxy_host);
    proxy_port = std::move(ep->proxy_port);
    proxy_auth = std::move(ep->proxy_auth);
    tls_server_name = config.tls_server_name;
    insecure = config.insecure_skip_tls_verify;
    return configure_tls(tls, config);
  }

  Error connect_timed_out(std::string_view stage) const {
    return Error(Errc::unavailable,
                 fmt::format("the API server at {} did not answer within {} ms {} (connect timeout): is it up?",
                             endpoint, options.connect_timeout.count(), stage));
  }

  Task<Result<std::unique_ptr<Connection>>> connect(Clock::time_point deadline, const CancelTokenPtr& cancel) {
    auto conn = std::make_unique<Connection>(executor, tls);
    auto& lowest = beast::get_lowest_layer(conn->stream);
    auto reg = CancelToken::on_cancel(cancel, [&lowest] { lowest.close(); });
    tcp::resolver resolver(executor);
    const bool proxied = !proxy_host.empty();
    const std::string& dial_host = proxied ? proxy_host : host;
    const std::string& dial_port = proxied ? proxy_port : port;
    auto [rec, results] = co_await resolver.async_resolve(dial_host, dial_port, use_tuple);
    if (cancel && cancel->cancelled()) co_return std::unexpected(stopped(cancel, "resolving " + endpoint));
    if (rec) co_return std::unexpected(net_error(proxied ? "resolve proxy" : "resolve", endpoint, rec));
    // The connect timeout bounds connect and TLS handshake; the exchange then has the call's deadline.
    const bool bounded = options.connect_timeout.count() > 0 && Clock::now() + options.connect_timeout < deadline;
    lowest.expires_at(bounded ? Clock::now() + options.connect_timeout : deadline);
    auto [cec, ep] = co_await lowest.async_connect(results, use_tuple);
    if (cec && cancel && cancel->cancelled()) {
      co_return std::unexpected(stopped(cancel, "connecting to the API server at " + endpoint));
    }
    if (cec == beast::error::timeout && bounded) co_return std::unexpected(connect_timed_out("connecting"));
    if (cec) co_return std::unexpected(net_error(proxied ? "connect to proxy" : "connect", endpoint, cec));
    // Requests and TLS records go out at once (Nagle would hold a small write for an ACK).
    boost::system::error_code nd;
    lowest.socket().set_option(tcp::no_delay(true), nd);
    if (proxied) {
      if (auto ok = co_await tunnel(*conn); !ok) co_return std::unexpected(ok.error());
    }
    SSL* ssl_handle = conn->stream.native_handle();
    const std::string& verify_name = tls_server_name.empty() ? host : tls_server_name;
    if (!is_ip(verify_name)) SSL_set_tlsext_host_name(ssl_handle, verify_name.c_str());
    if (!insecure) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (is_ip(verify_name)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, verify_name.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, verify_name.c_str(), verify_name.size());
      }
    }
    auto [hec] = co_await conn->stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (hec) {
      if (cancel && cancel->cancelled()) {
        co_return std::unexpected(stopped(cancel, "in the TLS handshake with the API server at " + endpoint));
      }
      if (hec == beast::error::timeout && bounded) co_return std::unexpected(connect_timed_out("in the TLS handshake"));
      const long verify = SSL_get_verify_result(ssl_handle);
      if (verify != X509_V_OK) {
        co_return fail(Errc::unavailable, fmt::format("TLS verification of the API server {} failed: {}", endpoint,
                                                      X509_verify_cert_error_string(verify)));
      }
      co_return std::unexpected(net_error("TLS handshake", endpoint, hec));
    }
    ++opened;
    co_return conn;
  }

  // HTTP CONNECT through the proxy (proxy-url): the TLS session then runs inside the tunnel.
  Task<Result<void>> tunnel(Connection& conn) {
    auto& lowest = beast::get_lowest_layer(conn.stream);
    const std::string authority =
        host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
    http::request<http::empty_body> req{http::verb::connect, authority, 11};
    req.set(http::field::host, authority);
    req.set(http::field::user_agent, options.user_agent);
    if (!proxy_auth.empty()) req.set(http::field::proxy_authorization, proxy_auth);
    auto [wec, wn] = co_await http::async_write(lowest, req, use_tuple);
    if (wec) co_return std::unexpected(net_error("proxy CONNECT", endpoint, wec));
    beast::flat_buffer buf;
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a CONNECT answer has no body
    auto [rec, rn] = co_await http::async_read_header(lowest, buf, parser, use_tuple);
    if (rec) co_return std::unexpected(net_error("proxy CONNECT", endpoint, rec));
    if (parser.get().result_int() != 200) {
      co_return fail(Errc::unavailable,
                     fmt::format("the proxy refused to connect to {} (HTTP {})", endpoint, parser.get().result_int()));
    }
    co_return Result<void>{};
  }

  // One attempt on one connection. `reused` tells whether a failure before any response byte
  // may be retried on a fresh connection (the server may have closed an idle one).
  Task<Result<HttpResponse>> exchange(Connection& conn, const http::request<http::string_body>& req,
                                      Clock::time_point deadline, const CancelTokenPtr& cancel, bool& keep_alive) {
    auto& lowest = beast::get_lowest_layer(conn.stream);
    auto reg = CancelToken::on_cancel(cancel, [&lowest] { lowest.close(); });
    lowest.expires_at(deadline);
    auto [wec, wn] = co_await http::async_write(conn.stream, req, use_tuple);
    if (wec && cancel && cancel->cancelled()) {
      co_return std::unexpected(stopped(cancel, "sending the request to the API server at " + endpoint));
    }
    if (wec) co_return std::unexpected(net_error("write", endpoint, wec));
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    auto [rec, rn] = co_await http::async_read(conn.stream, conn.buffer, parser, use_tuple);
    if (rec == http::error::body_limit) {
      co_return fail(Errc::too_large,
                     fmt::format("the API server's answer is larger than {} MiB, more than this server reads at once "
                                 "(derived from --max-response-bytes); narrow the request (limit, labelSelector, "
                                 "fieldSelector, namespace)",
                                 options.max_response_bytes / (1024 * 1024)));
    }
    if (rec && cancel && cancel->cancelled()) {
      co_return std::unexpected(stopped(cancel, fmt::format("waiting for the answer of the API server at {} (a large "
                                                            "request may take long: narrow it with namespace, "
                                                            "labelSelector or limit)",
                                                            endpoint)));
    }
    if (rec) co_return std::unexpected(net_error("read", endpoint, rec));
    auto res = parser.release();
    keep_alive = res.keep_alive();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    for (auto name : {"retry-after", "warning", "audit-id"}) {
      auto it = res.find(name);
      if (it != res.end()) out.headers.emplace(name, std::string(it->value()));
    }
    out.body = std::move(res.body());
    if (out.body.size() >= kLargeAnswer) large_answers_read = true;
    co_return out;
  }

  void release(std::unique_ptr<Connection> conn, bool keep_alive) {
    if (keep_alive && idle.size() < options.max_idle_connections) idle.push_back(std::move(conn));
  }

  // Takes one of max_connections slots (released by done_with_connection), waiting in line for
  // one when all are in use. A released slot goes straight to the first waiter, so a newcomer
  // cannot take it first.
  Task<Result<void>> take_connection_slot(Clock::time_point deadline, const CancelTokenPtr& cancel) {
    if (cancel && cancel->cancelled()) co_return std::unexpected(stopped(cancel, "starting the request"));
    if (waiters.empty() && in_use < options.max_connections) {
      ++in_use;
      co_return Result<void>{};
    }
    auto w = std::make_shared<Waiter>(executor, deadline);
    waiters.push_back(w);
    auto reg = CancelToken::on_cancel(cancel, [w] { w->timer.cancel(); });
    while (!w->granted) {
      auto [ec] = co_await w->timer.async_wait(use_tuple);
      if (w->granted) break;
      if (cancel && cancel->cancelled()) {
        std::erase(waiters, w);
        co_return std::unexpected(
            stopped(cancel, fmt::format("waiting for one of {} connections to {}", options.max_connections, endpoint)));
      }
      if (!ec) {
        std::erase(waiters, w);
        co_return fail(Errc::timeout, fmt::format("{}: deadline exceeded waiting for one of {} connections", endpoint,
                                                  options.max_connections));
      }
    }
    if (cancel && cancel->cancelled()) {  // granted, but no longer wanted: pass it on
      done_with_connection();
      co_return fail(Errc::cancelled, cancel->reason());
    }
    co_return Result<void>{};
  }

  // A slot is free again (its connection back in the pool or gone): hand it to the next waiter.
  void done_with_connection() {
    if (!waiters.empty()) {
      auto next = waiters.front();
      waiters.pop_front();
      next->granted = true;  // the slot moves to it: in_use is unchanged
      next->timer.cancel();
      return;
    }
    --in_use;
  }
};

ConnectionPool::ConnectionPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConnectionPool::~ConnectionPool() = default;

Result<std::shared_ptr<ConnectionPool>> ConnectionPool::create(net::any_io_executor executor, const RestConfig& config,
                                                               const TransportOptions& options) {
  auto impl = std::make_unique<Impl>(std::move(executor), options);
  if (auto ok = impl->init(config); !ok) return std::unexpected(ok.error());
  return std::shared_ptr<ConnectionPool>(new ConnectionPool(std::move(impl)));
}

std::string ConnectionPool::key(const RestConfig& c) {
  std::string k;
  for (std::string_view f :
       {std::string_view(c.server), std::string_view(c.proxy_url), std::string_view(c.ca_pem),
        std::string_view(c.tls_server_name), std::string_view(c.client_cert_pem), std::string_view(c.client_key_pem)}) {
    key_field(k, f);
  }
  key_field(k, c.insecure_skip_tls_verify ? "insecure" : "verify");
  // A digest, so that the pool map holds no copy of a private key.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(k.data(), k.size(), digest, &n, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

net::any_io_executor ConnectionPool::executor() const { return impl_->executor; }
const std::string& ConnectionPool::endpoint() const { return impl_->endpoint; }
std::size_t ConnectionPool::connections_opened() const { return impl_->opened; }
std::size_t ConnectionPool::idle_connections() const { return impl_->idle.size(); }

namespace {
// Gives back a pooled connection's slot however the attempt ends.
struct ConnectionSlot {
  ConnectionPool::Impl* impl;
  bool probe;  // a probe's slot was never taken from the cap, so it is not handed on
  ConnectionSlot(ConnectionPool::Impl* i, bool p) : impl(i), probe(p) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() {
    if (probe) {
      --impl->in_use;
    } else {
      impl->done_with_connection();
    }
  }
};
}  // namespace

Task<Result<HttpResponse>> ConnectionPool::exchange(const HttpRequest& request, const Headers& headers,
                                                    Clock::time_point deadline, CancelTokenPtr cancel, int& attempts) {
  auto& d = *impl_;
  auto verb = to_verb(request.method);
  if (!verb) co_return fail(Errc::invalid_argument, "unsupported HTTP method " + request.method);
  http::request<http::string_body> req{*verb, d.base_path + request.target, 11};
  req.set(http::field::host, d.endpoint);
  req.set(http::field::accept, request.accept);
  if (!request.body.empty() || *verb == http::verb::post || *verb == http::verb::put || *verb == http::verb::patch) {
    req.set(http::field::content_type, request.content_type.empty() ? "application/json" : request.content_type);
    req.body() = request.body;
    req.prepare_payload();
  }
  for (const auto& [k, v] : headers) req.insert(k, v);
  for (const auto& [k, v] : request.headers) req.set(k, v);
  req.keep_alive(true);

  // A pooled connection may have been closed by the server while idle: on a failure there,
  // retry once on a fresh connection.
  Result<HttpResponse> res = fail(Errc::internal, "no attempt");
  for (int fresh = 0; fresh < 2; ++fresh) {
    if (request.probe) {
      ++d.in_use;  // counted, so that its release balances, but never made to wait
    } else if (auto ok = co_await d.take_connection_slot(deadline, cancel); !ok) {
      co_return std::unexpected(ok.error());
    }
    ConnectionSlot slot(&d, request.probe);
    std::unique_ptr<Connection> conn;
    const bool reused = fresh == 0 && !d.idle.empty();
    if (reused) {
      conn = std::move(d.idle.back());
      d.idle.pop_back();
    } else {
      auto c = co_await d.connect(deadline, cancel);
      if (!c) co_return std::unexpected(c.error());
      conn = std::move(*c);
    }
    if (fresh > 0) ++attempts;
    bool keep_alive = false;
    res = co_await d.exchange(*conn, req, deadline, cancel, keep_alive);
    if (res) {
      d.release(std::move(conn), keep_alive);
      break;
    }
    if (cancel && cancel->cancelled()) co_return res;  // its error names the stage
    // Only a GET is retried on a fresh connection: a POST/PATCH/DELETE that failed after being
    // written may already have been applied.
    if (!reused || *verb != http::verb::get || res.error().code == Errc::timeout ||
        res.error().code == Errc::too_large) {
      break;
    }
  }
  co_return res;
}

Task<Result<std::unique_ptr<WebSocket>>> ConnectionPool::upgrade(std::string target, std::vector<std::string> protocols,
                                                                 Headers headers, Clock::time_point deadline,
                                                                 CancelTokenPtr cancel, std::string context) {
  auto& d = *impl_;
  auto conn = co_await d.connect(deadline, cancel);
  if (!conn) co_return std::unexpected(conn.error());
  auto impl = std::make_unique<WebSocket::Impl>(std::move((*conn)->stream));
  auto& ws = impl->ws;
  auto& lowest = beast::get_lowest_layer(ws);
  auto reg = CancelToken::on_cancel(cancel, [&lowest] { lowest.close(); });
  std::string offered;
  for (const auto& p : protocols) offered += (offered.empty() ? "" : ", ") + p;
  ws.set_option(websocket::stream_base::decorator([&headers, &offered](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
    req.set(http::field::sec_websocket_protocol, offered);
  }));
  lowest.expires_at(deadline);
  websocket::response_type res;
  const std::string path = d.base_path + target;
  auto [ec] = co_await ws.async_handshake(res, d.endpoint, path, use_tuple);
  if (ec) {
    if (cancel && cancel->cancelled()) co_return fail(Errc::cancelled, cancel->reason());
    if (res.result_int() >= 300) {
      HttpResponse r;
      r.status = static_cast<int>(res.result_int());
      r.body = res.body();
      co_return std::unexpected(status_error(r, context));
    }
    co_return std::unexpected(net_error("WebSocket upgrade", d.endpoint, ec));
  }
  lowest.expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.read_message_max(64 * 1024 * 1024);
  impl->protocol = std::string(res[http::field::sec_websocket_protocol]);
  co_return std::make_unique<WebSocket>(std::move(impl));
}

void release_memory_after_large_answers() {
  if (!large_answers_read) return;
  large_answers_read = false;
  ::malloc_trim(0);
}

}  // namespace mcpk::kube
