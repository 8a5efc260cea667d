#include "transport/http_server.hpp"

#include <sys/resource.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <map>
#include <vector>

#include "transport/framing.hpp"

namespace mcpk::transport {

namespace beast = boost::beast;
using tcp = net::ip::tcp;

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

constexpr auto kKeepAlive = std::chrono::seconds(15);  // SSE comment when a stream is quiet
constexpr auto kRetry = std::chrono::milliseconds(1000);
constexpr auto kWriteTimeout = std::chrono::seconds(30);

std::size_t default_connection_cap() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 10'000;
  return std::max<std::size_t>(16, rl.rlim_cur * 3 / 4);
}

// Runs `step` after `delay`: one poll of the shutdown.
template <class F>
void again_after(net::io_context& io, std::chrono::milliseconds delay, F step) {
  auto timer = std::make_shared<net::steady_timer>(io, delay);
  timer->async_wait([timer, step](boost::system::error_code) { step(); });
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<Impl> {
  net::io_context& io;
  const Router& router;
  HttpServerOptions options;
  tcp::acceptor acceptor;
  std::optional<net::ssl::context> tls;
  std::vector<std::shared_ptr<Drainable>> services;
  std::map<beast::tcp_stream*, bool> connections;  // value: idle, waiting for a request
  std::size_t live = 0;                            // accepted and not yet closed
  std::size_t cap = 0;
  net::steady_timer slot_freed;  // cancelled when a connection closes (the accept loop waits on it)
  bool stopping = false;

  Impl(net::io_context& ctx, const Router& r, HttpServerOptions o)
      : io(ctx), router(r), options(std::move(o)), acceptor(ctx), slot_freed(ctx) {
    cap = options.max_connections ? options.max_connections : default_connection_cap();
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
    lowest.expires_after(kWriteTimeout);
    if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple); ec) co_return false;
    auto s = r.stream;
    ++s->writers;
    if (r.on_open) r.on_open();
    std::size_t cursor = r.cursor;
    bool ok = true;
    auto send = [&](std::string data) -> Task<bool> {
      auto chunk = http::make_chunk(net::buffer(data));
      lowest.expires_after(kWriteTimeout);
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
      lowest.expires_after(kWriteTimeout);
      auto [ec, n] = co_await net::async_write(stream, last, use_tuple);
      ok = !ec;
    }
    --s->writers;
    if (r.on_close) r.on_close(ok && s->done() && cursor == s->messages().size(), cursor);
    co_return ok;
  }

  // Answers a request that cannot be served on this connection, and closes it.
  template <class Stream>
  Task<void> refuse(Stream& stream, http::status status, std::string why) {
    Request dummy;
    auto res = text_response(dummy, status, std::move(why));
    res.keep_alive(false);
    beast::get_lowest_layer(stream).expires_after(kWriteTimeout);
    co_await http::async_write(stream, res, use_tuple);
  }

  template <class Stream>
  Task<void> refuse_too_large(Stream& stream) {
    std::string why = fmt::format("request body larger than {} bytes (--max-request-size)\n", options.max_body_bytes);
    co_await refuse(stream, http::status::payload_too_large, std::move(why));
  }

  template <class Stream>
  Task<void> serve_stream(Stream& stream, const std::string& peer) {
    auto& lowest = beast::get_lowest_layer(stream);
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      if (stopping) break;
      if (buffer.size() == 0) {
        // Waiting for a request: idle (closed at once by a shutdown).
        connections[&lowest] = true;
        lowest.expires_after(first ? options.header_timeout : options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
        connections[&lowest] = false;
        if (ec || stopping) break;
        buffer.commit(n);
      }
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      lowest.expires_after(options.header_timeout);
      auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
      if (hec == http::error::header_limit) {
        std::string why = "request headers too large\n";
        co_await refuse(stream, http::status::request_header_fields_too_large, std::move(why));
        break;
      }
      if (hec == http::error::body_limit) {  // a Content-Length beyond the limit is known at once
        co_await refuse_too_large(stream);
        break;
      }
      if (hec == beast::error::timeout) break;
      if (hec && hec != http::error::end_of_stream && hec != net::error::eof && hec != net::error::connection_reset) {
        std::string why = fmt::format("malformed HTTP request: {}\n", hec.message());
        co_await refuse(stream, http::status::bad_request, std::move(why));
        break;
      }
      if (hec) break;
      if (auto bad = framing_error(parser.get()); !bad.empty()) {
        bad += "\n";
        co_await refuse(stream, http::status::bad_request, std::move(bad));
        break;
      }
      if (!parser.is_done()) {
        lowest.expires_after(options.body_timeout);
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (bec == http::error::body_limit) {
          co_await refuse_too_large(stream);
          break;
        }
        if (bec) break;
      }
      Request req = parser.release();
      const std::string target(req.target());
      Exchange x{.req = req, .path = target.substr(0, target.find('?')), .peer = peer};
      x.scope.network_transport = "tcp";
      // The caller's trace context, as sent (bounded); tracing, when on, validates it.
      x.scope.trace.traceparent = std::string(req["traceparent"].substr(0, 64));
      x.scope.trace.tracestate = std::string(req["tracestate"].substr(0, 512));
      Reply reply;
      try {
        reply = co_await router.dispatch(x);
      } catch (const std::exception& e) {
        spdlog::error("http: unexpected failure: {}", e.what());
        reply = Reply::whole(text_response(req, http::status::internal_server_error, "internal error\n"));
      }
      if (reply.stream) {
        if (!co_await write_sse(stream, reply) || !reply.res.keep_alive() || stopping) break;
        continue;
      }
      auto& res = reply.res;
      const bool keep = res.keep_alive() && !stopping;
      res.keep_alive(keep);
      lowest.expires_after(kWriteTimeout);
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || !keep) break;
    }
  }

  // Keeps a connection in `connections` (closed by stop()) for as long as its coroutine runs,
  // however that ends, and frees its slot of the connection cap.
  struct Registered {
    Impl& impl;
    beast::tcp_stream* stream;
    Registered(Impl& i, beast::tcp_stream* st) : impl(i), stream(st) { impl.connections.emplace(stream, true); }
    Registered(const Registered&) = delete;
    Registered& operator=(const Registered&) = delete;
    ~Registered() {
      impl.connections.erase(stream);
      --impl.live;
      impl.slot_freed.cancel();
    }
  };

  Task<void> serve_connection(tcp::socket socket) {
    auto self = shared_from_this();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // SSE events and small answers go out at once
    const auto remote = socket.remote_endpoint(ignored);
    const std::string peer = ignored ? std::string() : remote.address().to_string();
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      Registered registered(*this, &stream);
      co_await serve_stream(stream, peer);
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
    auto& lowest = beast::get_lowest_layer(stream);
    Registered registered(*this, &lowest);
    lowest.expires_after(options.header_timeout);
    if (auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple); !ec) {
      co_await serve_stream(stream, peer);
      lowest.expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(use_tuple);
    }
    lowest.socket().close(ignored);
  }

  // Accepts until stop(). At the connection cap it waits for one to close; an accept error
  // (out of descriptors, a connection reset before it was taken) is logged and retried with
  // back-off, never the end of the listener.
  Task<void> accept_loop() {
    auto self = shared_from_this();
    auto backoff = std::chrono::milliseconds(5);
    bool capped_logged = false;
    while (!stopping) {
      if (live >= cap) {
        if (!capped_logged) spdlog::warn("http: {} connections open (the cap); new ones wait", live);
        capped_logged = true;
        slot_freed.expires_at(net::steady_timer::time_point::max());
        co_await slot_freed.async_wait(use_tuple);
        continue;
      }
      capped_logged = false;
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (stopping) break;
      if (ec) {
        spdlog::warn("http: accept failed: {}; retrying in {} ms", ec.message(), backoff.count());
        net::steady_timer wait(io, backoff);
        co_await wait.async_wait(use_tuple);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(1));
        continue;
      }
      backoff = std::chrono::milliseconds(5);
      ++live;
      net::co_spawn(io, serve_connection(std::move(socket)), net::detached);
    }
  }
};

HttpServer::HttpServer(net::io_context& io, const Router& router, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, router, std::move(options))) {}
HttpServer::~HttpServer() { stop(); }

void HttpServer::drain_on_stop(std::shared_ptr<Drainable> service) { impl_->services.push_back(std::move(service)); }

Result<void> HttpServer::listen() {
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

std::uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }
bool HttpServer::tls() const { return impl_->tls.has_value(); }
bool HttpServer::stopping() const { return impl_->stopping; }
std::size_t HttpServer::connections() const { return impl_->live; }

Task<void> HttpServer::run() {
  auto impl = impl_;
  co_await impl->accept_loop();
}

void HttpServer::stop() {
  auto& d = *impl_;
  if (d.stopping) return;
  d.stopping = true;
  boost::system::error_code ignored;
  d.acceptor.close(ignored);
  d.slot_freed.cancel();
  for (auto& s : d.services) s->begin_shutdown();  // server-to-client streams end now
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
    for (auto& s : self->services) s->close();
  };
  // First: poll until the calls in flight are done or the bound has passed, then cancel the rest.
  auto drain = [self = impl_, close_all](auto&& again, std::chrono::steady_clock::time_point until) -> void {
    std::size_t busy = 0;
    for (auto& s : self->services) busy += s->busy();
    if (busy > 0 && std::chrono::steady_clock::now() < until) {
      again_after(self->io, std::chrono::milliseconds(50), [again, until] { again(again, until); });
      return;
    }
    if (busy > 0) spdlog::warn("shutdown: cancelling {} call(s) still in flight", busy);
    for (auto& s : self->services) s->cancel_all("shutdown");
    close_all(close_all, std::chrono::steady_clock::now() + std::chrono::seconds(1));
  };
  drain(drain, deadline);
}

}  // namespace mcpk::transport
