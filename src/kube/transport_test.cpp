// The kube transport chain against a loopback TLS API server: decorators (credentials,
// impersonation, user agent, the caller's bearer), 401 re-authentication, 429 retries, the
// per-cluster rate limiter and connection pool, the observer, and per-caller clients.
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "kube/client.hpp"
#include "kube/client_source.hpp"
#include "kube/cluster.hpp"
#include "kube/connection_pool.hpp"

namespace mcpk::kube {
namespace {

RequestScope scope_of(CallerPtr caller) {
  RequestScope scope;
  scope.caller = std::move(caller);
  return scope;
}

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A self-signed certificate for 127.0.0.1 (PEM cert, PEM key).
std::pair<std::string, std::string> self_signed() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fake-apiserver"), -1, -1,
                             0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());
  auto pem = [](auto write) {
    BIO* b = BIO_new(BIO_s_mem());
    write(b);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    std::string s(data, static_cast<std::size_t>(n));
    BIO_free(b);
    return s;
  };
  auto cert = pem([x](BIO* b) { PEM_write_bio_X509(b, x); });
  auto pkey = pem([key](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
  X509_free(x);
  EVP_PKEY_free(key);
  return {cert, pkey};
}

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

http::response<http::string_body> answer(int status, std::string body = "{}") {
  http::response<http::string_body> r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, "application/json");
  r.body() = std::move(body);
  return r;
}

struct Recorder final : TransportObserver {
  std::vector<RequestEvent> events;
  std::vector<std::string> targets;
  void on_request(const RequestEvent& e, const CallContext&) override {
    events.push_back(e);
    targets.emplace_back(e.target);
  }
};

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
  io.run_for(10s);
  ASSERT_TRUE(done);
}

CallContext call(RequestScope scope = {}) { return {Clock::now() + 5s, nullptr, std::move(scope)}; }

HttpRequest get(std::string target) {
  HttpRequest r;
  r.target = std::move(target);
  return r;
}

TEST(KubeTransport, DecoratorsSayWhoTheRequestIsFrom) {
  net::io_context io;
  FakeApiServer api(io, [](const Seen&) { return answer(200); });
  auto cfg = api.config();
  cfg.token = "t0ken";
  cfg.impersonate = "alice";
  cfg.impersonate_groups = {"dev", "ops"};
  auto t = RestTransport::create(io.get_executor(), cfg, {.user_agent = "mcpk-test"});
  ASSERT_TRUE(t) << t.error().message;
  run(io, [&]() -> Task<void> {
    const auto cc = call();
    auto r = co_await (*t)->send(get("/version"), cc);
    EXPECT_TRUE(r && r->status == 200);
  });
  ASSERT_EQ(api.seen.size(), 1u);
  const auto& s = api.seen[0];
  EXPECT_EQ(s.header("authorization"), "Bearer t0ken");
  EXPECT_EQ(s.header("impersonate-user"), "alice");
  EXPECT_EQ(s.headers.at("impersonate-group"), (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(s.header("user-agent"), "mcpk-test");
}

TEST(KubeTransport, ImpersonationExtrasAndTheCallersBearer) {
  struct Token final : CallerCredential {
    Task<Result<std::string>> token(const CancelTokenPtr&) override { co_return std::string("user-token"); }
  };
  net::io_context io;
  FakeApiServer api(io, [](const Seen&) { return answer(200); });
  auto cluster = std::make_shared<Cluster>(io.get_executor(), "fake", TransportOptions{});
  DecoratorChain chain{
      caller_bearer(),
      impersonate({.user = "bob@example.com", .groups = {"g"}, .extra = {{"agent", "mcp-kubernetes"}}})};
  auto t = cluster->transport(api.config(), chain);
  ASSERT_TRUE(t);
  run(io, [&]() -> Task<void> {
    auto caller = std::make_shared<Caller>();
    caller->key = "idp#bob";
    caller->credential = std::make_shared<Token>();
    const auto with = call(scope_of(caller));
    auto r = co_await (*t)->send(get("/api"), with);
    EXPECT_TRUE(r && r->status == 200);
    const auto without = call();  // the local user has no bearer: refused before sending
    auto refused = co_await (*t)->send(get("/api"), without);
    EXPECT_FALSE(refused);
    if (!refused) {
      EXPECT_EQ(refused.error().code, Errc::unauthenticated);
    }
  });
  ASSERT_EQ(api.seen.size(), 1u);
  EXPECT_EQ(api.seen[0].header("authorization"), "Bearer user-token");
  EXPECT_EQ(api.seen[0].header("impersonate-user"), "bob@example.com");
  EXPECT_EQ(api.seen[0].header("impersonate-extra-agent"), "mcp-kubernetes");
}

TEST(KubeTransport, A401RereadsTheTokenFileAndRetriesOnce) {
  net::io_context io;
  const auto file = std::filesystem::temp_directory_path() / ("mcpk-token-" + std::to_string(::getpid()));
  std::ofstream(file) << "old\n";
  FakeApiServer api(io, [&](const Seen& s) {
    if (s.header("authorization") != "Bearer new") {
      std::ofstream(file) << "new\n";  // rotated while the request was in flight
      return answer(401);
    }
    return answer(200);
  });
  auto cfg = api.config();
  cfg.token_file = file.string();
  auto t = RestTransport::create(io.get_executor(), cfg, {});
  ASSERT_TRUE(t);
  run(io, [&]() -> Task<void> {
    const auto cc = call();
    auto r = co_await (*t)->send(get("/api"), cc);
    EXPECT_TRUE(r && r->status == 200);
  });
  EXPECT_EQ(api.seen.size(), 2u);
  std::filesystem::remove(file);
}

TEST(KubeTransport, A429WithRetryAfterIsRetriedAndObserved) {
  net::io_context io;
  int n = 0;
  FakeApiServer api(io, [&](const Seen&) {
    if (++n <= 2) {
      auto r = answer(429);
      r.set("Retry-After", "0");
      return r;
    }
    return answer(200);
  });
  auto recorder = std::make_shared<Recorder>();
  auto cluster = std::make_shared<Cluster>(io.get_executor(), "fake", TransportOptions{}, recorder);
  auto t = cluster->transport(api.config(), {});
  ASSERT_TRUE(t);
  run(io, [&]() -> Task<void> {
    const auto cc = call();
    auto r = co_await (*t)->send(get("/api/v1/pods?limit=1"), cc);
    EXPECT_TRUE(r && r->status == 200);
  });
  ASSERT_EQ(recorder->events.size(), 1u);  // one event per request, after its retries
  EXPECT_EQ(recorder->events[0].attempts, 3);
  EXPECT_EQ(recorder->events[0].status, 200);
  EXPECT_EQ(recorder->targets[0], "/api/v1/pods?limit=1");
}

TEST(KubeTransport, A429StormEndsWithTheLastAnswerAfterMaxRetries) {
  net::io_context io;
  FakeApiServer api(io, [&](const Seen&) {
    auto r = answer(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})");
    r.set("Retry-After", "0");
    return r;
  });
  auto t = RestTransport::create(io.get_executor(), api.config(), {.max_retries = 3});
  ASSERT_TRUE(t);
  run(io, [&]() -> Task<void> {
    const auto cc = call();
    auto r = co_await (*t)->send(get("/api"), cc);
    EXPECT_TRUE(r && r->status == 429);
  });
  EXPECT_EQ(api.seen.size(), 4u);
}

TEST(KubeTransport, OneClusterSharesItsRateLimiterAndPoolAcrossIdentities) {
  net::io_context io;
  FakeApiServer api(io, [](const Seen&) { return answer(200); });
  auto recorder = std::make_shared<Recorder>();
  auto cluster =
      std::make_shared<Cluster>(io.get_executor(), "fake", TransportOptions{.qps = 10, .burst = 1}, recorder);
  auto a = cluster->transport(api.config(), {impersonate({.user = "a", .groups = {}, .extra = {}})});
  auto b = cluster->transport(api.config(), {impersonate({.user = "b", .groups = {}, .extra = {}})});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(cluster->pools(), 1u);
  const auto started = Clock::now();
  run(io, [&]() -> Task<void> {
    const auto cc = call();
    for (int i = 0; i < 2; ++i) {
      auto ra = co_await (*a)->send(get("/api"), cc);
      auto rb = co_await (*b)->send(get("/api"), cc);
      EXPECT_TRUE(ra && rb);
    }
  });
  // 4 requests at 10/s with a burst of 1: at least ~300 ms, whichever identity sends them.
  EXPECT_GE(Clock::now() - started, 250ms);
  Clock::duration throttled{};
  for (const auto& e : recorder->events) throttled += e.throttled;
  EXPECT_GE(throttled, 200ms);    // ~300 ms less the requests' own time
  EXPECT_EQ(api.connections, 1);  // one keep-alive connection served both identities
  EXPECT_EQ(api.seen[1].header("impersonate-user"), "b");
}

TEST(KubeTransport, ADifferentClientCertificateGetsItsOwnPool) {
  RestConfig a, b;
  a.server = b.server = "https://127.0.0.1:6443";
  b.client_cert_pem = "cert";
  b.client_key_pem = "key";
  EXPECT_NE(ConnectionPool::key(a), ConnectionPool::key(b));
  b = a;
  b.token = "another bearer";
  EXPECT_EQ(ConnectionPool::key(a), ConnectionPool::key(b));  // a header, not a connection property
}

TEST(ClientSource, EachCallerGetsItsOwnClientAndChangedGroupsANewOne) {
  net::io_context io;
  FakeApiServer api(io, [](const Seen&) { return answer(200); });
  ClientSource source(io.get_executor(), api.config(), {});
  auto alice = std::make_shared<Caller>();
  alice->key = "idp#alice";
  alice->groups = {"dev"};
  auto bob = std::make_shared<Caller>();
  bob->key = "idp#bob";
  run(io, [&]() -> Task<void> {
    const auto local_cc = call();
    const auto alice_cc = call(scope_of(alice));
    const auto bob_cc = call(scope_of(bob));
    auto l1 = co_await source.client("", local_cc);
    auto l2 = co_await source.client("", local_cc);
    auto a1 = co_await source.client("", alice_cc);
    auto b1 = co_await source.client("", bob_cc);
    EXPECT_TRUE(l1 && l2 && a1 && b1);
    EXPECT_EQ(l1->get(), l2->get());
    EXPECT_NE(a1->get(), b1->get());
    EXPECT_NE(a1->get(), l1->get());
    EXPECT_EQ((*a1)->owner(), identity_key(*alice));
    EXPECT_EQ(&(*a1)->cluster(), &(*b1)->cluster());  // one cluster, shared
    auto regrouped = std::make_shared<Caller>(*alice);
    regrouped->groups = {"dev", "admins"};
    const auto regrouped_cc = call(scope_of(regrouped));
    auto a2 = co_await source.client("", regrouped_cc);
    EXPECT_TRUE(a2 && a2->get() != a1->get());
  });
  EXPECT_EQ(source.cached_clients(), 4u);
}

}  // namespace
}  // namespace mcpk::kube
