// /oauth/token (authorization code with PKCE; refresh tokens rotated on every use, bound to
// their client, reuse revoking the family) and /oauth/revoke (RFC 7009).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <chrono>

#include "auth/server.hpp"
#include "core/base64.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace mcpk::auth {
namespace {

namespace http = boost::beast::http;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr Seconds kUsedCodeTtl{900};

}  // namespace

Task<Result<ClientRecord>> AuthServer::authenticate_client(Exchange& x, const Params& form) {
  std::string id = param(form, "client_id"), secret = param(form, "client_secret");
  const auto header = x.req[http::field::authorization];
  if (header.size() > 6 && lower_ascii(header.substr(0, 6)) == "basic ") {
    auto decoded = base64_decode(header.substr(6));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) co_return fail(Errc::unauthenticated, "the Basic credentials are malformed");
    auto parts = parse_params("i=" + decoded->substr(0, colon) + "&s=" + decoded->substr(colon + 1));
    if (!parts) co_return fail(Errc::unauthenticated, "the Basic credentials are malformed");
    if (!id.empty() && id != (*parts)["i"]) co_return fail(Errc::unauthenticated, "two different client ids");
    id = (*parts)["i"];
    secret = (*parts)["s"];
  }
  auto client = co_await find_client(id);
  if (!client) co_return fail(Errc::unauthenticated, "unknown client");
  if (!client->secret_hash.empty()) {
    if (secret.empty() || !constant_time_equal(key_hash(secret), client->secret_hash)) {
      co_return fail(Errc::unauthenticated, "client authentication failed");
    }
  } else if (!secret.empty()) {
    co_return fail(Errc::unauthenticated, "a public client has no secret");
  }
  co_return client;
}

Task<AuthServer::Reply> AuthServer::token(Exchange& x) {
  if (x.req.method() != http::verb::post) co_return oauth_error(x, 405, "invalid_request", "use POST");
  auto form = read_form(x.req);
  if (!form) co_return oauth_error(x, form.error().status, "invalid_request", form.error().message);
  auto client = co_await authenticate_client(x, *form);
  if (!client) {
    audit("token", x, clip(param(*form, "client_id"), 64), "", "refused: client authentication");
    auto reply = oauth_error(x, 401, "invalid_client", client.error().message);
    reply.res.set(http::field::www_authenticate, "Basic realm=\"oauth\"");
    co_return reply;
  }
  const auto grant_type = param(*form, "grant_type");
  const char* needed = grant_type == "authorization_code" ? "code" : "refresh_token";
  if ((grant_type == "authorization_code" || grant_type == "refresh_token") && param(*form, needed).empty()) {
    co_return oauth_error(x, 400, "invalid_request", fmt::format("{} is required", needed));
  }
  if (grant_type == "authorization_code") co_return co_await redeem_code(x, *client, *form);
  if (grant_type == "refresh_token") co_return co_await refresh_grant(x, *client, *form);
  co_return oauth_error(x, 400, "unsupported_grant_type", "grant_type: authorization_code or refresh_token");
}

Task<AuthServer::Reply> AuthServer::redeem_code(Exchange& x, const ClientRecord& client, const Params& form) {
  const auto code_key = key_hash(param(form, "code"));
  auto text = co_await store_->take("code:" + code_key);
  if (!text) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  if (!*text) {
    // A code used twice: revoke whatever the first use issued (OAuth 2.1 §4.1.3).
    co_await revoke_if_reused(x, "code-used:" + code_key, "authorization code", "token", client.client_id);
    co_return oauth_error(x, 400, "invalid_grant", "the authorization code is invalid, expired or already used");
  }
  auto grant = grant_from(**text);
  if (!grant) co_return oauth_error(x, 500, "server_error", "a stored code is damaged");
  auto marked = co_await store_->put("code-used:" + code_key, grant->family, kUsedCodeTtl);
  (void)marked;
  auto refuse = [&](std::string_view why) {
    audit("token", x, client.client_id, grant->user.email, fmt::format("refused: {}", why));
    return oauth_error(x, 400, "invalid_grant", why);
  };
  if (grant->client_id != client.client_id) co_return refuse("the code was issued to another client");
  if (param(form, "redirect_uri") != grant->redirect_uri)
    co_return refuse("redirect_uri does not match the authorization");
  const auto verifier = param(form, "code_verifier");
  if (verifier.size() < 43 || verifier.size() > 128) co_return refuse("code_verifier is missing or malformed");
  if (!constant_time_equal(sha256_b64url(verifier), grant->code_challenge)) {
    co_return refuse("code_verifier does not match the code_challenge");
  }
  if (const auto resource = param(form, "resource");
      !resource.empty() && resource != grant->resource && resource != options_.issuer) {
    co_return oauth_error(x, 400, "invalid_target", "this server issues tokens only for " + resource_);
  }
  auto issued = co_await issue_tokens(*grant, true);
  if (!issued) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  audit("token", x, client.client_id, grant->user.email, "issued");
  co_return token_reply(x, *issued);
}

Task<AuthServer::Reply> AuthServer::refresh_grant(Exchange& x, const ClientRecord& client, const Params& form) {
  const auto token_key = key_hash(param(form, "refresh_token"));
  auto text = co_await store_->get("rt:" + token_key);
  if (!text) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  if (!*text) {
    co_await revoke_if_reused(x, "rt-used:" + token_key, "refresh token", "refresh", client.client_id);
    co_return oauth_error(x, 400, "invalid_grant", "the refresh token is invalid, expired or revoked");
  }
  auto grant = grant_from(**text);
  if (!grant) co_return oauth_error(x, 500, "server_error", "a stored token is damaged");
  if (grant->client_id != client.client_id) {
    // Bound to its client: another client presenting it learns nothing and consumes nothing.
    audit("refresh", x, client.client_id, grant->user.email, "refused: the token belongs to another client");
    co_return oauth_error(x, 400, "invalid_grant", "the refresh token is invalid, expired or revoked");
  }
  auto taken = co_await store_->take("rt:" + token_key);
  auto family = co_await store_->get("fam:" + grant->family);
  if (!taken || !*taken || !family || !*family) {
    // Rotated concurrently, or the family was revoked.
    co_return oauth_error(x, 400, "invalid_grant", "the refresh token is invalid, expired or revoked");
  }
  auto marked = co_await store_->put("rt-used:" + token_key, grant->family, options_.refresh_ttl);
  (void)marked;
  // The user's newest identity (groups may have changed at the last upstream refresh).
  auto up = co_await store_->get("upuser:" + key_hash(grant->user.key));
  if (up && *up) {
    if (auto v = parse_json(**up); v) {
      if (auto u = user_from(*v); u) grant->user = std::move(*u);
    }
  }
  auto issued = co_await issue_tokens(*grant, false);
  if (!issued) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  audit("refresh", x, client.client_id, grant->user.email, "issued");
  co_return token_reply(x, *issued);
}

Task<void> AuthServer::revoke_if_reused(Exchange& x, std::string used_key, std::string what, std::string event,
                                        std::string client_id) {
  auto used = co_await store_->get(used_key);
  if (!used || !*used) co_return;
  co_await revoke_family(**used, what + " reuse", client_id);
  audit(event, x, client_id, "", fmt::format("refused: {} reused; its grant is revoked", what));
}

AuthServer::Reply AuthServer::token_reply(Exchange& x, const json::object& body) {
  auto res = transport::json_response(x.req, http::status::ok, body);
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::pragma, "no-cache");
  return Reply::whole(std::move(res));
}

Task<Result<json::object>> AuthServer::issue_tokens(Grant grant, bool new_family) {
  if (new_family) {
    json::object family{{"client_id", grant.client_id}, {"user", grant.user.key}};
    auto ok = co_await store_->put("fam:" + grant.family, to_json(family), options_.refresh_ttl);
    if (!ok) co_return std::unexpected(ok.error());
  }
  grant.redirect_uri.clear();
  grant.code_challenge.clear();
  const auto access = random_token(32);
  const auto refresh = random_token(32);
  grant.expires_at = now_seconds() + options_.access_ttl.count();
  auto a = co_await store_->put("at:" + key_hash(access), to_json(to_json_value(grant)), options_.access_ttl);
  if (!a) co_return std::unexpected(a.error());
  grant.expires_at = 0;
  auto r = co_await store_->put("rt:" + key_hash(refresh), to_json(to_json_value(grant)), options_.refresh_ttl);
  if (!r) co_return std::unexpected(r.error());
  co_return json::object{{"access_token", access},
                         {"token_type", "Bearer"},
                         {"expires_in", options_.access_ttl.count()},
                         {"refresh_token", refresh},
                         {"scope", grant.scope}};
}

Task<void> AuthServer::revoke_family(std::string family, std::string reason, std::string client_id) {
  // Access and refresh tokens check their family on every use: deleting it revokes them all.
  auto removed = co_await store_->remove("fam:" + family);
  if (!removed) spdlog::error("oauth: cannot revoke a grant after {}: {}", reason, removed.error().message);
  spdlog::warn("audit oauth event=revoke_family client={} reason={} outcome={}", log_field(client_id, 128), reason,
               removed && *removed ? "revoked" : "already gone");
}

Task<AuthServer::Reply> AuthServer::revoke(Exchange& x) {
  if (x.req.method() != http::verb::post) co_return oauth_error(x, 405, "invalid_request", "use POST");
  auto form = read_form(x.req);
  if (!form) co_return oauth_error(x, form.error().status, "invalid_request", form.error().message);
  auto client = co_await authenticate_client(x, *form);
  if (!client) co_return oauth_error(x, 401, "invalid_client", client.error().message);
  if (param(*form, "token").empty()) co_return oauth_error(x, 400, "invalid_request", "token is required");
  const auto token_key = key_hash(param(*form, "token"));
  // RFC 7009 §2.2: 200 whether or not the token was valid; only its own client may revoke it.
  for (const char* kind : {"rt:", "at:"}) {
    auto text = co_await store_->get(kind + token_key);
    if (!text || !*text) continue;
    auto grant = grant_from(**text);
    if (!grant) break;
    if (grant->client_id != client->client_id) {
      audit("revoke", x, client->client_id, grant->user.email, "ignored: the token belongs to another client");
      break;
    }
    if (std::string_view(kind) == "rt:") {
      co_await revoke_family(grant->family, "revocation of a refresh token", client->client_id);
    } else {
      auto removed = co_await store_->remove(kind + token_key);
      (void)removed;
    }
    audit("revoke", x, client->client_id, grant->user.email, "revoked");
    break;
  }
  auto res = transport::text_response(x.req, http::status::ok, "", "application/json");
  res.set(http::field::cache_control, "no-store");
  co_return Reply::whole(std::move(res));
}

}  // namespace mcpk::auth
