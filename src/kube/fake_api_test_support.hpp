/// @file
/// @brief For tests: a loopback TLS API server of our own that answers each request with a
/// handler and records what it saw (method, target, headers), and a runner for a test's
/// coroutine. Faults a real API server cannot produce, and requests whose headers a test checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/async.hpp"
#include "core/tls_test_support.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube::fake {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// A self-signed certificate for 127.0.0.1 (PEM cert, PEM key).
inline std::pair<std::string, std::string> self_signed() { return testing_tls::self_signed_pem("fake-apiserver"); }

struct Seen {
  std::string method, target;
  std::map<std::string, std::vector<std::string>> headers;  // lower-case names
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() || it->second.empty() ? std::string() : it->second.front();
  }
};

// Answers each request with handler(request) on the test's io_context.
class FakeApiServer {
 public:
  using Handler = std::function<http::response<http::string_body>(const Seen&)>;
  FakeApiServer(net::io_context& io, Handler handler)
      : io_(io), acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), handler_(std::move(handler)) {
    auto [cert, key] = self_signed();
    cert_ = cert;
    tls_.use_certificate_chain(net::buffer(cert));
    tls_.use_private_key(net::buffer(key), ssl::context::pem);
    net::co_spawn(io, accept(), net::detached);
  }
  RestConfig config() const {
    RestConfig c;
    c.context = "fake";
    c.server = "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
    c.ca_pem = cert_;
    return c;
  }
  std::vector<Seen> seen;
  int connections = 0;

 private:
  Task<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      ++connections;
      net::co_spawn(io_, serve(std::move(socket)), net::detached);
    }
  }
  Task<void> serve(tcp::socket socket) {
    beast::ssl_stream<tcp::socket> stream(std::move(socket), tls_);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (hec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [rec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
      if (rec) co_return;
      Seen s{std::string(req.method_string()), std::string(req.target()), {}};
      for (const auto& f : req) {
        std::string name(f.name_string());
        std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
        s.headers[name].emplace_back(f.value());
      }
      seen.push_back(s);
      auto res = handler_(s);
      res.version(11);
      res.keep_alive(true);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec) co_return;
    }
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  ssl::context tls_{ssl::context::tls_server};
  std::string cert_;
  Handler handler_;
};

inline http::response<http::string_body> answer(int status, std::string body = "{}") {
  http::response<http::string_body> r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, "application/json");
  r.body() = std::move(body);
  return r;
}

// Runs `body` to completion on `io`.
template <class F>
void run(net::io_context& io, F body) {
  bool done = false;
  net::co_spawn(
      io,
      [&]() -> Task<void> {
        co_await body();
        done = true;
        io.stop();  // the fake server's accept loop would run on
      },
      net::detached);
  io.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(done);
}

}  // namespace mcpk::kube::fake
