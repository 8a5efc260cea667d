#include "transport/http_client.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <map>
#include <memory>

#include "transport/address.hpp"

namespace mcpk::transport {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// One TLS context per CA file, made on first use (loading the system roots costs milliseconds).
Result<std::shared_ptr<ssl::context>> tls_context(const std::string& ca_file) {
  static std::map<std::string, std::shared_ptr<ssl::context>> contexts;
  if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) return fail(Errc::invalid_argument, fmt::format("cannot load CA certificates {}: {}", ca_file, ec.message()));
  contexts.emplace(ca_file, ctx);
  return ctx;
}

struct Target {
  bool tls = false;
  std::string host;  ///< without brackets
  std::string port;
  std::string path;  ///< path and query
};

Result<Target> parse_target(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return fail(Errc::invalid_argument, "not an absolute URL");
  Target t;
  if (u->scheme() == "https") {
    t.tls = true;
  } else if (u->scheme() != "http") {
    return fail(Errc::invalid_argument, fmt::format("unsupported URL scheme \"{}\"", std::string(u->scheme())));
  }
  if (u->has_userinfo()) return fail(Errc::invalid_argument, "URLs with credentials are refused");
  t.host = u->host_address();
  if (t.host.empty()) return fail(Errc::invalid_argument, "the URL has no host");
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

template <class Stream>
Task<Result<FetchResponse>> exchange(Stream& stream, beast::tcp_stream& socket, const Target& t, const FetchRequest& r,
                                     const FetchOptions& o) {
  http::request<http::string_body> req{r.method, t.path, 11};
  req.set(http::field::host, t.host);
  req.set(http::field::user_agent, "mcp-kubernetes");
  req.set(http::field::accept, "application/json");
  for (const auto& [k, v] : r.headers) req.set(k, v);
  if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
  req.body() = r.body;
  req.prepare_payload();
  req.keep_alive(false);
  socket.expires_after(o.timeout);
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) co_return fail(Errc::unavailable, fmt::format("sending failed: {}", wec.message()));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(o.max_body);
  parser.header_limit(64 * 1024);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (rec == http::error::body_limit) {
    co_return fail(Errc::too_large, fmt::format("the answer is larger than {} bytes", o.max_body));
  }
  if (rec)
    co_return fail(rec == beast::error::timeout ? Errc::timeout : Errc::unavailable,
                   fmt::format("reading the answer failed: {}", rec.message()));
  auto& res = parser.get();
  FetchResponse out;
  out.status = res.result_int();
  out.content_type = std::string(res[http::field::content_type]);
  out.location = std::string(res[http::field::location]);
  out.body = std::move(res.body());
  co_return out;
}

Task<Result<FetchResponse>> fetch_target(net::any_io_executor ex, const Target& t, const FetchRequest& r,
                                         const FetchOptions& o) {
  tcp::resolver resolver(ex);
  auto [ec, results] = co_await resolver.async_resolve(t.host, t.port, use_tuple);
  if (ec) co_return fail(Errc::unavailable, fmt::format("cannot resolve {}: {}", t.host, ec.message()));
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) {
    const auto kind = classify(entry.endpoint().address());
    if (!o.allow_private && kind != AddressKind::public_net) {
      co_return fail(Errc::forbidden, fmt::format("{} resolves to a {} address ({}), which is not allowed", t.host,
                                                  to_string(kind), entry.endpoint().address().to_string()));
    }
    endpoints.push_back(entry.endpoint());
  }
  if (endpoints.empty()) co_return fail(Errc::unavailable, fmt::format("{} has no address", t.host));
  beast::tcp_stream socket(ex);
  socket.expires_after(o.timeout);
  auto [cec, connected] = co_await socket.async_connect(endpoints, use_tuple);
  if (cec) {
    co_return fail(cec == beast::error::timeout ? Errc::timeout : Errc::unavailable,
                   fmt::format("cannot connect to {}:{}: {}", t.host, t.port, cec.message()));
  }
  if (!t.tls) co_return co_await exchange(socket, socket, t, r, o);
  auto ctx = tls_context(o.ca_file);
  if (!ctx) co_return std::unexpected(ctx.error());
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), **ctx);
  if (!classify_literal(t.host)) SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(t.host));
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) co_return fail(Errc::unavailable, fmt::format("TLS with {} failed: {}", t.host, hec.message()));
  auto res = co_await exchange(stream, beast::get_lowest_layer(stream), t, r, o);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  auto [sec] = co_await stream.async_shutdown(use_tuple);
  (void)sec;  // the answer is complete; a rude close is the server's business
  co_return res;
}

}  // namespace

Task<Result<FetchResponse>> fetch(net::any_io_executor executor, FetchRequest request, FetchOptions options) {
  auto target = parse_target(request.url);
  if (!target) co_return fail(target.error().code, fmt::format("{}: {}", options.what, target.error().message));
  auto res = co_await fetch_target(executor, *target, request, options);
  if (!res) {
    co_return fail(res.error().code, fmt::format("{} ({}{}): {}", options.what, target->host,
                                                 target->path.substr(0, target->path.find('?')), res.error().message));
  }
  co_return res;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(k, boost::urls::unreserved_chars, opts);
    out += '=';
    out += boost::urls::encode(v, boost::urls::unreserved_chars, opts);
  }
  return out;
}

}  // namespace mcpk::transport
