// The Bearer on /mcp → the caller; the user's upstream ID token for downstream OAuth.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "auth/server.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace mcpk::auth {
namespace {

namespace http = boost::beast::http;

constexpr Seconds kLockTtl{30};
constexpr std::int64_t kRefreshMargin = 60;  ///< renew an ID token that expires within a minute

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The caller's credential under downstream OAuth: asks the server for the user's current ID
// token on every Kubernetes request (the store has it; refresh happens there).
class UserCredential final : public CallerCredential {
 public:
  UserCredential(std::weak_ptr<AuthServer> server, std::string user_key)
      : server_(std::move(server)), user_key_(std::move(user_key)) {}
  Task<Result<std::string>> token(const CancelTokenPtr&) override {
    auto server = server_.lock();
    if (!server) co_return fail(Errc::unavailable, "the server is shutting down");
    co_return co_await server->user_id_token(user_key_);
  }

 private:
  std::weak_ptr<AuthServer> server_;
  std::string user_key_;
};

// SSO token forwarding: the verified IdP token itself, not stored.
class ForwardedToken final : public CallerCredential {
 public:
  explicit ForwardedToken(std::string token) : token_(std::move(token)) {}
  Task<Result<std::string>> token(const CancelTokenPtr&) override { co_return token_; }

 private:
  std::string token_;
};

std::shared_ptr<Caller> caller_of(const User& u) {
  auto c = std::make_shared<Caller>();
  c->key = u.key;
  c->subject = u.subject;
  c->email = u.email;
  c->groups = u.groups;
  return c;
}

}  // namespace

transport::Middleware AuthServer::authenticate() {
  return [self = shared_from_this()](Exchange& x, const transport::Handler& next) -> Task<Reply> {
    co_return co_await self->check_bearer(x, next);
  };
}

AuthServer::Reply AuthServer::challenge(Exchange& x, std::string_view error, std::string_view description) const {
  // RFC 6750 §3 / RFC 9728 §5.1: no error attribute when the request carried no token.
  auto value = fmt::format("Bearer resource_metadata=\"{}/.well-known/oauth-protected-resource{}\", scope=\"mcp\"",
                           options_.issuer, options_.endpoint_path);
  if (!error.empty()) value += fmt::format(", error=\"{}\", error_description=\"{}\"", error, description);
  json::object body{{"error", error.empty() ? "unauthorized" : error},
                    {"error_description", description.empty() ? "a Bearer access token is required" : description}};
  auto res = transport::json_response(x.req, http::status::unauthorized, body);
  res.set(http::field::www_authenticate, value);
  res.set(http::field::cache_control, "no-store");
  return Reply::whole(std::move(res));
}

Task<AuthServer::Reply> AuthServer::check_bearer(Exchange& x, const transport::Handler& next) {
  const auto header = x.req[http::field::authorization];
  if (header.empty()) co_return challenge(x, "", "");
  if (header.size() <= 7 || lower_ascii(header.substr(0, 7)) != "bearer ") {
    co_return challenge(x, "invalid_request", "the Authorization header must be a Bearer token");
  }
  const std::string token(header.substr(7));
  if (token.size() > 8192) co_return challenge(x, "invalid_token", "the token is not valid");
  std::shared_ptr<Caller> caller;
  auto record = co_await store_->get("at:" + key_hash(token));
  if (!record) {
    spdlog::error("oauth: {}", record.error().message);
    auto reply = oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
    co_return reply;
  }
  if (*record) {
    auto grant = grant_from(**record);
    if (!grant || grant->expires_at <= now_seconds() || grant->resource != resource_) {
      co_return challenge(x, "invalid_token", "the access token is expired or not for this server");
    }
    auto family = co_await store_->get("fam:" + grant->family);
    if (!family || !*family) co_return challenge(x, "invalid_token", "the access token was revoked");
    caller = caller_of(grant->user);
    if (options_.downstream) caller->credential = std::make_shared<UserCredential>(weak_from_this(), grant->user.key);
  } else if (!options_.trusted_audiences.empty() && looks_like_jwt(token)) {
    // SSO token forwarding: an ID token of our identity provider for a trusted audience.
    auto audiences = options_.trusted_audiences;
    std::string no_nonce;
    auto id = co_await upstream_.verify_id_token(token, std::move(audiences), std::move(no_nonce));
    if (!id) {
      spdlog::info("audit oauth event=sso_token ip={} outcome=refused reason={}", log_field(x.peer),
                   log_field(id.error().message));
      co_return challenge(x, "invalid_token", "the token is not valid");
    }
    caller = caller_of(User{id->key(), id->subject, id->email, id->groups});
    caller->credential = std::make_shared<ForwardedToken>(token);
  } else {
    co_return challenge(x, "invalid_token", "the token is not valid");
  }
  std::string what = "mcp";
  auto limited = co_await rate_limited(x, std::move(what), caller->key, options_.mcp_per_user_per_minute);
  if (limited) co_return std::move(*limited);
  x.scope.caller = std::move(caller);
  co_return co_await next(x);
}

Task<Result<void>> AuthServer::store_upstream(const User& user, const UpstreamTokens& tokens) {
  const auto h = key_hash(user.key);
  json::object secret{
      {"id_token", tokens.id_token}, {"refresh_token", tokens.refresh_token}, {"exp", tokens.id_expiry}};
  auto sealed = sealer_.seal(to_json(secret), user.key);
  auto a = co_await store_->put("up:" + h, std::move(sealed), options_.refresh_ttl);
  if (!a) co_return std::unexpected(a.error());
  auto b = co_await store_->put("upuser:" + h, to_json(to_json_value(user)), options_.refresh_ttl);
  if (!b) co_return std::unexpected(b.error());
  co_return Result<void>{};
}

Task<Result<std::string>> AuthServer::user_id_token(std::string user_key) {
  const auto h = key_hash(user_key);
  const auto lock_key = "uplock:" + h;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto text = co_await store_->get("up:" + h);
    if (!text) co_return std::unexpected(text.error());
    if (!*text) co_return fail(Errc::unauthenticated, "no upstream sign-in is stored for this user; sign in again");
    auto plain = sealer_.open(**text, user_key);
    if (!plain) co_return fail(Errc::unauthenticated, "the stored upstream sign-in cannot be read; sign in again");
    auto v = parse_json(*plain);
    if (!v || !v->is_object()) co_return fail(Errc::internal, "a stored upstream sign-in is damaged");
    const auto& o = v->as_object();
    const auto exp = find_int(o, "exp").value_or(0);
    if (exp > now_seconds() + kRefreshMargin) co_return std::string(string_or(o, "id_token"));
    const std::string refresh_token(string_or(o, "refresh_token"));
    if (refresh_token.empty())
      co_return fail(Errc::unauthenticated, "the ID token expired and cannot be renewed; sign in again");
    // One replica renews (the provider's refresh tokens are single use); the others wait for it.
    const auto holder = random_token(12);
    auto locked = co_await store_->put_if_absent(lock_key, holder, kLockTtl);
    if (!locked) co_return std::unexpected(locked.error());
    if (!*locked) {
      net::steady_timer wait(executor_, std::chrono::milliseconds(100));
      co_await wait.async_wait(use_tuple);
      continue;
    }
    auto renewed = co_await upstream_.refresh(refresh_token);
    if (renewed) {
      auto& [tokens, identity] = *renewed;
      if (tokens.refresh_token.empty()) tokens.refresh_token = refresh_token;
      User user{identity.key(), identity.subject, identity.email, identity.groups};
      auto saved = co_await store_upstream(user, tokens);
      if (!saved) spdlog::error("oauth: cannot store a renewed sign-in: {}", saved.error().message);
      spdlog::info("audit oauth event=upstream_refresh user={} outcome=ok", log_field(identity.email));
    } else {
      spdlog::warn("audit oauth event=upstream_refresh user={} outcome=failed reason={}", log_field(user_key, 128),
                   log_field(renewed.error().message));
    }
    auto released = co_await store_->remove_if(lock_key, holder);
    (void)released;
    if (!renewed) {
      co_return fail(
          Errc::unauthenticated,
          fmt::format("the ID token expired and renewing it failed ({}); sign in again", renewed.error().message));
    }
    co_return renewed->first.id_token;
  }
  co_return fail(Errc::timeout, "renewing the user's ID token took too long");
}

}  // namespace mcpk::auth
