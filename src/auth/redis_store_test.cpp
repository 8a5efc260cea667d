// The Redis token store against a real redis-server (skipped when it is not installed): the
// shared store semantics, login, database selection, the key prefix, TLS, a server that dies
// and comes back; and against fake servers that never answer or answer garbage.
#include "auth/redis_store.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cstdio>
#include <thread>

#include "auth/redis_test_support.hpp"
#include "auth/store_test_support.hpp"

namespace mcpk::auth {
namespace {

// The shared semantics on one redis-server for the whole suite, a key prefix of its own per test.
class RedisBackend {
 public:
  RedisBackend() {
    if (!redis_installed()) {
      why_ = kNotInstalled;
      return;
    }
    static RedisServer server;
    static const std::string started = server.start();
    if (!started.empty()) {
      why_ = started;
      return;
    }
    static int tests = 0;
    RedisOptions o;
    o.url = server.address();
    o.password = kPassword;
    o.key_prefix = fmt::format("semantics{}:", ++tests);
    store_ = RedisStore::create(io_.get_executor(), o).value();
  }
  std::string unavailable() const { return why_; }
  net::io_context& io() { return io_; }
  Store& store() { return *store_; }
  void advance(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

 private:
  std::string why_;
  net::io_context io_;
  std::shared_ptr<RedisStore> store_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, StoreSemantics, RedisBackend);

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_installed()) GTEST_SKIP() << kNotInstalled;
    if (!tls_cert.empty()) server.use_tls(tls_cert, tls_key);
    if (auto why = server.start(); !why.empty()) FAIL() << why;
  }
  RedisOptions options() const {
    RedisOptions o;
    o.url = server.address();
    o.password = kPassword;
    return o;
  }
  std::shared_ptr<RedisStore> make(const RedisOptions& o) { return RedisStore::create(io.get_executor(), o).value(); }

  std::string tls_cert, tls_key;  // set by a derived fixture's constructor
  net::io_context io;
  RedisServer server;
};

TEST_F(RedisStoreTest, KeysCarryThePrefix) {
  auto o = options();
  o.key_prefix = "pfx:";
  auto store = make(o);
  EXPECT_EQ(store->kind(), "valkey");
  EXPECT_EQ(store->endpoint(), server.address());
  ASSERT_TRUE(run(io, store->put("abc", "v", 60s)));
  o.key_prefix = "";
  auto raw = make(o);
  EXPECT_EQ(run(io, raw->get("pfx:abc")).value(), "v");
  EXPECT_EQ(run(io, raw->get("abc")).value(), std::nullopt);
  if (::access("/usr/bin/redis-cli", X_OK) == 0) {  // and as Redis itself lists them
    const auto cmd =
        fmt::format("/usr/bin/redis-cli -p {} -a {} --no-auth-warning --raw KEYS '*'", server.port(), kPassword);
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string keys;
    for (int c; (c = std::fgetc(p)) != EOF;) keys += static_cast<char>(c);
    ::pclose(p);
    EXPECT_EQ(keys, "pfx:abc\n");
  }
}

TEST_F(RedisStoreTest, TheDatabaseIsSelected) {
  auto o = options();
  o.db = 3;
  ASSERT_TRUE(run(io, make(o)->put("k", "in-3", 60s)));
  o.db = 0;
  EXPECT_EQ(run(io, make(o)->get("k")).value(), std::nullopt);
  o.url = fmt::format("redis://{}/3", server.address());
  EXPECT_EQ(run(io, make(o)->get("k")).value(), "in-3");
  o.db = 16;  // beyond the 16 databases of the default configuration
  auto r = run(io, make(o)->get("k"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "SELECT")) << r.error().message;
}

TEST_F(RedisStoreTest, AWrongOrMissingPasswordIsRefusedWithoutShowingIt) {
  const std::string wrong = "wr0ng-passw0rd";
  auto o = options();
  for (const auto& [url, password] :
       {std::pair{server.address(), wrong},
        std::pair{fmt::format("redis://:{}@{}", wrong, server.address()), std::string()},
        std::pair{fmt::format("redis://default:{}@{}", wrong, server.address()), std::string()},
        std::pair{server.address(), std::string()}}) {
    o.url = url;
    o.password = password;
    auto r = run(io, make(o)->put("k", "v", 0s));
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_TRUE(contains(r.error().message, "refused the credentials")) << r.error().message;
    EXPECT_TRUE(contains(r.error().message, server.address())) << r.error().message;
    EXPECT_FALSE(contains(r.error().message, wrong)) << r.error().message;
  }
  o.url = fmt::format("redis://default:{}@{}", wrong, server.address());
  o.password = kPassword;  // the options win over the URL
  EXPECT_TRUE(run(io, make(o)->put("k", "v", 0s)));
  o.url = fmt::format("redis://default:{}@{}", kPassword, server.address());
  o.password = "";
  EXPECT_TRUE(run(io, make(o)->put("k", "v", 0s)));
}

TEST_F(RedisStoreTest, CommandsArePipelinedOnOneConnection) {
  auto store = make(options());
  std::vector<Task<Result<void>>> puts;
  for (int i = 0; i < 200; ++i) puts.push_back(store->put(fmt::format("k{}", i), fmt::format("v{}", i), 60s));
  for (auto& r : run_all(io, std::move(puts))) EXPECT_TRUE(r) << r.error().message;
  std::vector<Task<Result<std::optional<std::string>>>> gets;
  for (int i = 0; i < 200; ++i) gets.push_back(store->get(fmt::format("k{}", i)));
  auto got = run_all(io, std::move(gets));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(got.at(i).value(), fmt::format("v{}", i));
  EXPECT_EQ(store->connect_attempts(), 1u);
}

TEST_F(RedisStoreTest, AKilledServerIsUnavailableAndARestartedOneIsUsedAgain) {
  auto store = make(options());
  ASSERT_TRUE(run(io, store->put("k", "v", 60s)));
  server.kill();
  for (int i = 0; i < 2; ++i) {  // the lost connection, then a refused one
    auto r = run(io, store->get("k"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_TRUE(contains(r.error().message, "the token store (redis at " + server.address() + ") cannot be reached"))
        << r.error().message;
  }
  ASSERT_EQ(server.start(), "");
  auto r = run(io, store->get("k"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, std::nullopt);  // no persistence: a new, empty server
  ASSERT_TRUE(run(io, store->put("k", "again", 60s)));
  store->close();  // and an explicit close is followed by a new connection
  EXPECT_EQ(run(io, store->get("k")).value(), "again");
}

TEST(RedisStore, CommandsWaitingForAFailedConnectShareItsFailure) {
  net::io_context io;
  RedisOptions o;
  o.url = fmt::format("127.0.0.1:{}", free_port());  // nobody listens
  auto store = RedisStore::create(io.get_executor(), o).value();
  std::vector<Task<Result<bool>>> removes;
  for (int i = 0; i < 5; ++i) removes.push_back(store->remove("k"));
  for (auto& r : run_all(io, std::move(removes))) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::unavailable);
  }
  EXPECT_EQ(store->connect_attempts(), 1u);  // no reconnect storm
  EXPECT_FALSE(run(io, store->remove("k")));
  EXPECT_EQ(store->connect_attempts(), 2u);
}

TEST(RedisStore, AServerThatNeverAnswersTimesOutAndIsDropped) {
  net::io_context io;
  FakeRedis silent(io, "");
  RedisOptions o;
  o.url = silent.address();
  o.timeout = 300ms;
  for (const char* password : {"", "pw"}) {  // waiting for a reply, and for AUTH while connecting
    o.password = password;
    auto store = RedisStore::create(io.get_executor(), o).value();
    for (int i = 0; i < 2; ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto r = run(io, store->get("k"));
      const auto took = std::chrono::steady_clock::now() - start;
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, Errc::timeout) << r.error().message;
      EXPECT_TRUE(contains(r.error().message, "did not answer within 300 ms")) << r.error().message;
      EXPECT_FALSE(contains(r.error().message, "pw)")) << r.error().message;
      EXPECT_GE(took, 250ms);
      EXPECT_LT(took, 2s);
    }
    EXPECT_EQ(store->connect_attempts(), 2u);  // the connection was dropped after the timeout
  }
}

TEST(RedisStore, DestroyingTheStoreFailsTheCommandsInFlight) {
  net::io_context io;
  FakeRedis silent(io, "");
  RedisOptions o;
  o.url = silent.address();
  auto store = RedisStore::create(io.get_executor(), o).value();
  std::optional<Result<std::optional<std::string>>> out;
  net::co_spawn(io, store->get("k"), [&out](std::exception_ptr, Result<std::optional<std::string>> r) { out = r; });
  io.run_for(200ms);  // connected, the command sent and waiting
  ASSERT_FALSE(out);
  ASSERT_EQ(silent.accepted, 1);
  store.reset();
  io.restart();
  while (!out && io.run_one() > 0) {
  }
  ASSERT_TRUE(out);
  ASSERT_FALSE(*out);
  EXPECT_EQ(out->error().code, Errc::unavailable);
  EXPECT_TRUE(contains(out->error().message, "was closed")) << out->error().message;
}

TEST(RedisStore, MalformedRepliesFailTheCommandAndTheConnection) {
  const std::pair<const char*, Errc> answers[] = {
      {"?garbage\r\n", Errc::unavailable}, {":12x\r\n", Errc::unavailable}, {"$99999999\r\n", Errc::unavailable},
      {"$3\r\nabcdef", Errc::unavailable}, {"*-7\r\n", Errc::unavailable},  {"+OK\r\n+OK\r\n", Errc::internal},
      {"-ERR wrong\r\n", Errc::internal},  {":5\r\n", Errc::internal}};  // the last three: an unexpected reply
  for (const auto& [answer, code] : answers) {
    net::io_context io;
    FakeRedis liar(io, answer);
    RedisOptions o;
    o.url = liar.address();
    o.timeout = 1s;
    auto store = RedisStore::create(io.get_executor(), o).value();
    for (int i = 0; i < 2; ++i) {
      auto r = run(io, store->get("k"));
      ASSERT_FALSE(r) << answer;
      EXPECT_EQ(r.error().code, code) << answer << " -> " << r.error().message;
    }
  }
  net::io_context io;
  FakeRedis big(io, "$16777217\r\n");
  RedisOptions o;
  o.url = big.address();
  auto r = run(io, RedisStore::create(io.get_executor(), o).value()->get("k"));
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "more than the 16 MiB allowed")) << r.error().message;
}

TEST(RedisStore, CreateChecksTheUrlWithoutConnecting) {
  net::io_context io;
  RedisOptions o;
  o.url = "redis://:hunter22@:6379";
  auto r = RedisStore::create(io.get_executor(), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_FALSE(contains(r.error().message, "hunter22"));
  o.url = "rediss://127.0.0.1:1";
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(RedisStore::create(io.get_executor(), o).error().code, Errc::invalid_argument);
  o.url = "redis.invalid:6379";  // not resolved until used
  o.ca_file = "";
  EXPECT_TRUE(RedisStore::create(io.get_executor(), o));
}

class RedisStoreTlsTest : public RedisStoreTest {
 protected:
  RedisStoreTlsTest() { std::tie(tls_cert, tls_key) = write_self_signed(server.dir()); }
};

TEST_F(RedisStoreTlsTest, TlsWithTheServersCaVerifiesItByAddressAndName) {
  auto o = options();
  o.url = fmt::format("rediss://{}", server.address());
  o.ca_file = tls_cert;
  auto store = make(o);
  ASSERT_TRUE(run(io, store->put("k", "over-tls", 60s)));
  EXPECT_EQ(run(io, store->get("k")).value(), "over-tls");
  o.url = fmt::format("localhost:{}", server.port());  // SNI and a DNS name to verify
  o.tls = true;
  auto r = run(io, make(o)->take("k"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "over-tls");
}

TEST_F(RedisStoreTlsTest, AnUnknownCertificateIsRefused) {
  auto o = options();
  o.url = fmt::format("rediss://{}", server.address());  // the system's CAs do not know it
  auto r = run(io, make(o)->get("k"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_TRUE(contains(r.error().message, "TLS verification")) << r.error().message;
  o.url = server.address();  // plain text to a TLS port
  o.tls = false;
  o.timeout = 1s;
  EXPECT_FALSE(run(io, make(o)->get("k")));
}

}  // namespace
}  // namespace mcpk::auth
