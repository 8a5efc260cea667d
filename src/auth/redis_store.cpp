#include "auth/redis_store.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "auth/redis_protocol.hpp"

namespace mcpk::auth {

namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

// remove_if and increment, each one atomic step on the server.
constexpr std::string_view kRemoveIf =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
constexpr std::string_view kIncrement =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 and tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";

bool is_ip(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// A result handed over to a coroutine that waits for it: deliver() wakes the waiter, whose
// timer otherwise expires at its deadline. A command's reply is delivered by the reader (or its
// failure by drop()); a connection attempt's outcome to the commands that wait for it.
template <class T>
struct Signal {
  Signal(const net::any_io_executor& ex, SteadyClock::time_point deadline) : timer(ex, deadline) {}
  net::steady_timer timer;
  std::optional<T> result;
  void deliver(T r) {
    if (result) return;
    result = std::move(r);
    timer.cancel();
  }
};
using Waiter = Signal<Result<RespValue>>;
using Connecting = Signal<Result<void>>;

struct Connection {
  Connection(const net::any_io_executor& ex, ssl::context& ctx, bool use_tls)
      : stream(ex, ctx),
        resolver(ex),
        wake(ex, SteadyClock::time_point::max()),
        watchdog(ex, SteadyClock::time_point::max()),
        tls(use_tls) {}
  ssl::stream<tcp::socket> stream;
  tcp::resolver resolver;
  net::steady_timer wake;      // cancel(): the writer has something to send
  net::steady_timer watchdog;  // expires at the deadline of the connection attempt
  bool tls;
  bool ready = false;  // connected, logged in, database selected
  std::optional<Error> closed;
  std::string outbox;  // requests not yet handed to the writer
  std::string in;      // received bytes from in_pos on not parsed yet
  std::size_t in_pos = 0;
  std::array<char, 16384> chunk{};
  std::deque<std::shared_ptr<Waiter>> pending;  // in the order of the requests
};

}  // namespace

struct RedisStore::Impl : std::enable_shared_from_this<Impl> {
  net::any_io_executor executor;
  RedisEndpoint ep;
  std::string prefix;
  std::chrono::milliseconds timeout;
  std::string endpoint;
  ssl::context tls{ssl::context::tls_client};
  std::shared_ptr<Connection> conn;     // ready, or null
  std::shared_ptr<Connection> opening;  // being connected
  std::shared_ptr<Connecting> connecting;
  std::size_t attempts = 0;

  Impl(net::any_io_executor ex, RedisEndpoint e, std::string key_prefix, std::chrono::milliseconds t)
      : executor(std::move(ex)), ep(std::move(e)), prefix(std::move(key_prefix)), timeout(t), endpoint(ep.name()) {}

  Error unreachable(std::string_view detail) const {
    return Error(Errc::unavailable,
                 fmt::format("the token store (redis at {}) cannot be reached: {}", endpoint, detail));
  }
  Error deadline_passed(std::string_view stage) const {
    return Error(Errc::timeout,
                 fmt::format("the token store (redis at {}) did not answer within {} ms ({}); the connection is "
                             "dropped",
                             endpoint, timeout.count(), stage));
  }
  // The server's error text, with the password cut out should it ever be echoed.
  std::string scrub(std::string text) const {
    for (std::size_t at; !ep.password.empty() && (at = text.find(ep.password)) != std::string::npos;) {
      text.replace(at, ep.password.size(), "<redacted>");
    }
    return text;
  }
  Error refused(std::string_view command, const std::string& text) const {
    if (text.starts_with("NOAUTH") || text.starts_with("WRONGPASS")) {
      return Error(Errc::unavailable,
                   fmt::format("the token store (redis at {}) refused the credentials: {}", endpoint, scrub(text)));
    }
    return Error(Errc::internal, fmt::format("the token store (redis at {}) refused {}: {}", endpoint, command,
                                             scrub(text.substr(0, 512))));
  }
  Error unexpected_reply(std::string_view command) const {
    return Error(Errc::internal,
                 fmt::format("the token store (redis at {}) answered {} with an unexpected reply", endpoint, command));
  }
  std::string key(std::string_view k) const { return prefix + std::string(k); }

  // Closes `c` and fails every command waiting on it with `e`.
  void drop(const std::shared_ptr<Connection>& c, const Error& e) {
    if (c->closed) return;
    c->closed = e;
    boost::system::error_code ignored;
    c->stream.next_layer().close(ignored);
    c->resolver.cancel();
    c->wake.cancel();
    c->watchdog.cancel();
    auto pending = std::move(c->pending);
    c->pending.clear();
    for (auto& w : pending) w->deliver(std::unexpected(e));
    if (conn == c) {
      conn.reset();
      spdlog::warn("{}", e.message);
    }
    if (opening == c) opening.reset();
  }

  std::shared_ptr<Waiter> enqueue(const std::shared_ptr<Connection>& c, std::string_view request,
                                  SteadyClock::time_point deadline) {
    auto w = std::make_shared<Waiter>(executor, deadline);
    if (c->closed) {
      w->deliver(std::unexpected(*c->closed));
      return w;
    }
    c->pending.push_back(w);
    c->outbox += request;
    c->wake.cancel();
    return w;
  }

  Task<Result<RespValue>> await_reply(std::shared_ptr<Connection> c, std::shared_ptr<Waiter> w,
                                      std::string_view stage) {
    while (!w->result) {
      auto [ec] = co_await w->timer.async_wait(use_tuple);
      if (!w->result && !ec) {
        const Error e = deadline_passed(stage);
        drop(c, e);
        w->deliver(std::unexpected(e));
      }
    }
    co_return std::move(*w->result);
  }

  static Task<void> reader(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c) {
    while (!c->closed) {
      for (;;) {
        std::size_t pos = c->in_pos;
        RespValue value;
        std::string why;
        const auto st = parse_resp(c->in, pos, value, why);
        if (st == RespParse::more) break;
        if (st == RespParse::bad) co_return self->drop(c, self->unreachable("it sent a malformed reply: " + why));
        c->in_pos = pos;
        if (c->pending.empty()) co_return self->drop(c, self->unreachable("it sent a reply to no command"));
        auto w = std::move(c->pending.front());
        c->pending.pop_front();
        w->deliver(std::move(value));
      }
      if (c->in_pos == c->in.size() || c->in_pos >= 65536) {  // drop what was parsed
        c->in.erase(0, c->in_pos);
        c->in_pos = 0;
      }
      auto buffer = net::buffer(c->chunk);
      std::tuple<boost::system::error_code, std::size_t> got;
      if (c->tls) {
        got = co_await c->stream.async_read_some(buffer, use_tuple);
      } else {
        got = co_await c->stream.next_layer().async_read_some(buffer, use_tuple);
      }
      if (c->closed) co_return;
      const auto& [ec, n] = got;
      if (ec == net::error::eof || ec == ssl::error::stream_truncated) {
        co_return self->drop(c, self->unreachable("it closed the connection"));
      }
      if (ec) co_return self->drop(c, self->unreachable(ec.message()));
      c->in.append(c->chunk.data(), n);
    }
  }

  static Task<void> writer(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c) {
    std::string sending;
    while (!c->closed) {
      if (c->outbox.empty()) {
        co_await c->wake.async_wait(use_tuple);
        continue;
      }
      sending.clear();
      std::swap(sending, c->outbox);
      auto buffer = net::buffer(sending);
      std::tuple<boost::system::error_code, std::size_t> put;
      if (c->tls) {
        put = co_await net::async_write(c->stream, buffer, use_tuple);
      } else {
        put = co_await net::async_write(c->stream.next_layer(), buffer, use_tuple);
      }
      if (c->closed) co_return;
      if (const auto& ec = std::get<0>(put)) co_return self->drop(c, self->unreachable(ec.message()));
    }
  }

  static Task<void> watch(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c) {
    auto [ec] = co_await c->watchdog.async_wait(use_tuple);
    if (!ec && !c->ready) self->drop(c, self->deadline_passed("connecting"));
  }

  // Sends a handshake command (AUTH, SELECT) and checks that it was answered +OK.
  Task<Result<void>> handshake_command(std::shared_ptr<Connection> c, std::vector<std::string_view> args,
                                       SteadyClock::time_point deadline, std::string_view stage) {
    auto w = enqueue(c, encode_command(args), deadline);
    auto r = co_await await_reply(c, w, stage);
    if (!r) co_return std::unexpected(r.error());
    if (r->type == RespValue::Type::error) co_return std::unexpected(refused(args.front(), r->text));
    if (r->type != RespValue::Type::simple) co_return std::unexpected(unexpected_reply(args.front()));
    co_return Result<void>{};
  }

  // TCP, TLS, AUTH and SELECT on a new connection `c`.
  Task<Result<void>> handshake(std::shared_ptr<Connection> c, SteadyClock::time_point deadline) {
    auto [rec, results] = co_await c->resolver.async_resolve(ep.host, ep.port, use_tuple);
    if (c->closed) co_return std::unexpected(*c->closed);
    if (rec) co_return std::unexpected(unreachable(fmt::format("cannot resolve {}: {}", ep.host, rec.message())));
    auto [cec, where] = co_await net::async_connect(c->stream.next_layer(), results, use_tuple);
    if (c->closed) co_return std::unexpected(*c->closed);
    if (cec) co_return std::unexpected(unreachable(cec.message()));
    boost::system::error_code ignored;
    c->stream.next_layer().set_option(tcp::no_delay(true), ignored);
    if (c->tls) {
      SSL* handle = c->stream.native_handle();
      X509_VERIFY_PARAM* param = SSL_get0_param(handle);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (is_ip(ep.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(param, ep.host.c_str());
      } else {
        SSL_set_tlsext_host_name(handle, ep.host.c_str());
        X509_VERIFY_PARAM_set1_host(param, ep.host.c_str(), ep.host.size());
      }
      auto [hec] = co_await c->stream.async_handshake(ssl::stream_base::client, use_tuple);
      if (c->closed) co_return std::unexpected(*c->closed);
      if (hec) {
        const long verify = SSL_get_verify_result(handle);
        if (verify != X509_V_OK) {
          co_return std::unexpected(unreachable(
              fmt::format("TLS verification of its certificate failed: {}", X509_verify_cert_error_string(verify))));
        }
        co_return std::unexpected(unreachable(fmt::format("TLS handshake: {}", hec.message())));
      }
    }
    net::co_spawn(executor, reader(shared_from_this(), c), net::detached);
    net::co_spawn(executor, writer(shared_from_this(), c), net::detached);
    if (!ep.password.empty()) {
      std::vector<std::string_view> auth = {"AUTH"};
      if (!ep.username.empty()) auth.push_back(ep.username);
      auth.push_back(ep.password);
      auto ok = co_await handshake_command(c, std::move(auth), deadline, "logging in");
      if (!ok) co_return ok;
    }
    if (ep.db != 0) {
      const std::string db = std::to_string(ep.db);
      std::vector<std::string_view> select = {"SELECT", db};
      auto ok = co_await handshake_command(c, std::move(select), deadline, "selecting the database");
      if (!ok) co_return ok;
    }
    co_return Result<void>{};
  }

  // Opens `conn`; commands that come meanwhile wait for this attempt and share its outcome.
  Task<Result<void>> connect(SteadyClock::time_point deadline) {
    if (auto flight = connecting) {
      while (!flight->result) co_await flight->timer.async_wait(use_tuple);
      co_return *flight->result;
    }
    auto flight = std::make_shared<Connecting>(executor, SteadyClock::time_point::max());
    connecting = flight;
    ++attempts;
    auto c = std::make_shared<Connection>(executor, tls, ep.tls);
    opening = c;
    c->watchdog.expires_at(deadline);
    net::co_spawn(executor, watch(shared_from_this(), c), net::detached);
    auto r = co_await handshake(c, deadline);
    if (r && c->closed) r = std::unexpected(*c->closed);
    if (r) {
      c->ready = true;
      c->watchdog.cancel();
      conn = c;
      spdlog::debug("token store: connected to redis at {}", endpoint);
    } else {
      drop(c, r.error());
    }
    if (opening == c) opening.reset();
    connecting.reset();
    flight->deliver(r);
    co_return r;
  }

  // Sends one command (connecting first when needed) and waits for its reply; an error reply
  // becomes an Error.
  Task<Result<RespValue>> command(std::string_view name, std::string request) {
    auto self = shared_from_this();
    const auto deadline = SteadyClock::now() + timeout;
    if (!conn) {
      auto ok = co_await connect(deadline);
      if (!ok) co_return std::unexpected(ok.error());
    }
    auto c = conn;
    if (!c) co_return std::unexpected(unreachable("the connection was lost"));
    auto w = enqueue(c, request, deadline);
    auto r = co_await await_reply(c, w, "waiting for the reply");
    if (r && r->type == RespValue::Type::error) co_return std::unexpected(refused(name, r->text));
    co_return r;
  }

  // A command answered by a bulk string or null (GET, GETDEL).
  Task<Result<std::optional<std::string>>> string_or_null(std::string_view name, std::string request) {
    auto r = co_await command(name, std::move(request));
    if (!r) co_return std::unexpected(r.error());
    if (r->type == RespValue::Type::null) co_return std::nullopt;
    if (r->type != RespValue::Type::bulk) co_return std::unexpected(unexpected_reply(name));
    co_return std::move(r->text);
  }

  // A command answered by an integer (DEL, the scripts).
  Task<Result<std::int64_t>> integer(std::string_view name, std::string request) {
    auto r = co_await command(name, std::move(request));
    if (!r) co_return std::unexpected(r.error());
    if (r->type != RespValue::Type::integer) co_return std::unexpected(unexpected_reply(name));
    co_return r->integer;
  }

  void close(const Error& e) {
    if (auto c = std::move(opening)) drop(c, e);
    if (auto c = std::move(conn)) drop(c, e);  // quietly: not current any more
  }
};

namespace {

Result<void> check_ttl(Seconds ttl) {
  if (ttl.count() < 0) return fail(Errc::invalid_argument, fmt::format("a negative TTL ({} s)", ttl.count()));
  return {};
}

}  // namespace

Result<std::shared_ptr<RedisStore>> RedisStore::create(net::any_io_executor executor, RedisOptions options) {
  auto ep = parse_redis_url(options.url);
  if (!ep) return std::unexpected(ep.error());
  if (!options.password.empty()) ep->password = options.password;
  if (options.tls) ep->tls = true;
  if (options.db < 0) return fail(Errc::invalid_argument, "the Redis database number must not be negative");
  if (options.db != 0) ep->db = options.db;
  if (options.timeout.count() <= 0) return fail(Errc::invalid_argument, "the Redis timeout must be positive");
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(*ep), options.key_prefix, options.timeout);
  if (impl->ep.tls) {
    SSL_CTX_set_min_proto_version(impl->tls.native_handle(), TLS1_2_VERSION);
    impl->tls.set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (!options.ca_file.empty()) {
      impl->tls.load_verify_file(options.ca_file, ec);
      if (ec) {
        return fail(Errc::invalid_argument,
                    fmt::format("cannot read the Redis CA file {}: {}", options.ca_file, ec.message()));
      }
    } else {
      impl->tls.set_default_verify_paths(ec);
      if (ec) return fail(Errc::internal, fmt::format("cannot load the system's CA certificates: {}", ec.message()));
    }
  }
  return std::shared_ptr<RedisStore>(new RedisStore(std::move(impl)));
}

RedisStore::RedisStore(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

RedisStore::~RedisStore() { close(); }

const std::string& RedisStore::endpoint() const { return impl_->endpoint; }
std::size_t RedisStore::connect_attempts() const { return impl_->attempts; }

void RedisStore::close() {
  impl_->close(Error(Errc::unavailable, fmt::format("the token store (redis at {}) was closed", impl_->endpoint)));
}

Task<Result<std::optional<std::string>>> RedisStore::get(std::string key) {
  auto impl = impl_;
  std::string request = encode_command({"GET", impl->key(key)});
  co_return co_await impl->string_or_null("GET", std::move(request));
}

Task<Result<void>> RedisStore::put(std::string key, std::string value, Seconds ttl) {
  if (auto ok = check_ttl(ttl); !ok) co_return ok;
  auto impl = impl_;
  const std::string k = impl->key(key), seconds = std::to_string(ttl.count());
  std::vector<std::string_view> args = {"SET", k, value};
  if (ttl.count() > 0) args.insert(args.end(), {"EX", seconds});
  auto r = co_await impl->command("SET", encode_command(args));
  if (!r) co_return std::unexpected(r.error());
  if (r->type != RespValue::Type::simple) co_return std::unexpected(impl->unexpected_reply("SET"));
  co_return Result<void>{};
}

Task<Result<bool>> RedisStore::put_if_absent(std::string key, std::string value, Seconds ttl) {
  if (auto ok = check_ttl(ttl); !ok) co_return std::unexpected(ok.error());
  auto impl = impl_;
  const std::string k = impl->key(key), seconds = std::to_string(ttl.count());
  std::vector<std::string_view> args = {"SET", k, value, "NX"};
  if (ttl.count() > 0) args.insert(args.end(), {"EX", seconds});
  auto r = co_await impl->command("SET NX", encode_command(args));
  if (!r) co_return std::unexpected(r.error());
  if (r->type == RespValue::Type::null) co_return false;
  if (r->type != RespValue::Type::simple) co_return std::unexpected(impl->unexpected_reply("SET NX"));
  co_return true;
}

Task<Result<std::optional<std::string>>> RedisStore::take(std::string key) {
  auto impl = impl_;
  std::string request = encode_command({"GETDEL", impl->key(key)});
  co_return co_await impl->string_or_null("GETDEL", std::move(request));
}

Task<Result<bool>> RedisStore::remove(std::string key) {
  auto impl = impl_;
  std::string request = encode_command({"DEL", impl->key(key)});
  auto r = co_await impl->integer("DEL", std::move(request));
  if (!r) co_return std::unexpected(r.error());
  co_return *r > 0;
}

Task<Result<bool>> RedisStore::remove_if(std::string key, std::string value) {
  auto impl = impl_;
  std::string request = encode_command({"EVAL", kRemoveIf, "1", impl->key(key), value});
  auto r = co_await impl->integer("EVAL (remove_if)", std::move(request));
  if (!r) co_return std::unexpected(r.error());
  co_return *r > 0;
}

Task<Result<std::int64_t>> RedisStore::increment(std::string key, Seconds window) {
  if (auto ok = check_ttl(window); !ok) co_return std::unexpected(ok.error());
  auto impl = impl_;
  std::string request = encode_command({"EVAL", kIncrement, "1", impl->key(key), std::to_string(window.count())});
  co_return co_await impl->integer("EVAL (increment)", std::move(request));
}

}  // namespace mcpk::auth
