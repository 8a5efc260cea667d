// The kube transport chain against a loopback TLS API server: decorators (credentials,
// impersonation, user agent, the caller's bearer), 401 re-authentication, 429 retries, the
// per-cluster rate limiter and connection pool, the observer, and per-caller clients.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <functional>

#include "kube/client.hpp"
#include "kube/client_source.hpp"
#include "kube/cluster.hpp"
#include "kube/connection_pool.hpp"
#include "kube/fake_api_test_support.hpp"

namespace mcpk::kube {
namespace {

RequestScope scope_of(CallerPtr caller) {
  RequestScope scope;
  scope.caller = std::move(caller);
  return scope;
}

using namespace std::chrono_literals;
using fake::answer;
using fake::FakeApiServer;
using fake::run;
using fake::Seen;
namespace http = fake::http;

struct Recorder final : TransportObserver {
  std::vector<RequestEvent> events;
  std::vector<std::string> targets;
  void on_request(const RequestEvent& e, const CallContext&) override {
    events.push_back(e);
    targets.emplace_back(e.target);
  }
};

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

TEST(KubeTransport, AnEndpointThatNeverAnswersFailsWithinTheConnectTimeoutNamingTheStage) {
  net::io_context io;
  // Accepts the TCP connection (the kernel does) and then says nothing: no TLS handshake.
  fake::tcp::acceptor silent(io, fake::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  RestConfig config;
  config.server = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  config.ca_pem = fake::self_signed().first;
  auto client = *Client::create(io.get_executor(), config, TransportOptions{.connect_timeout = 300ms});
  std::string error;
  auto took = 0ms;
  run(io, [&]() -> Task<void> {
    const auto t0 = Clock::now();
    const CallContext cc{Clock::now() + 10s, nullptr, RequestScope{}};
    auto r = co_await client->get_json("/version", cc, std::string("application/json"));
    took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    if (!r) error = r.error().message;
  });
  EXPECT_NE(error.find("did not answer within 300 ms in the TLS handshake (connect timeout)"), std::string::npos)
      << error;
  EXPECT_LT(took, 2s);
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
