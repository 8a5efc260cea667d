#include "auth/upstream.hpp"

#include <fmt/format.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "core/base64.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "transport/http_client.hpp"

namespace mcpk::auth {

using transport::fetch;
using transport::FetchOptions;
using transport::FetchRequest;
using transport::FetchResponse;
using transport::form_encode;
namespace {

namespace http = boost::beast::http;

FetchOptions fetch_options(const UpstreamConfig& c, std::string what) {
  FetchOptions o;
  o.ca_file = c.ca_file;
  o.allow_private = c.allow_private;
  o.what = std::move(what);
  return o;
}

Result<json::object> json_object(const FetchResponse& res, std::string_view what) {
  auto v = parse_json(res.body);
  if (!v || !v->is_object()) return fail(Errc::unavailable, fmt::format("{} is not a JSON object", what));
  return std::move(v->as_object());
}

}  // namespace

ProviderProfile provider_profile(const UpstreamConfig& c) {
  ProviderProfile p;
  if (c.provider == "google") {
    p.scopes = {"openid", "email", "profile"};
    // A refresh token only with offline access, and Google sends it again only on consent.
    p.authorize_params = {{"access_type", "offline"}, {"prompt", "consent"}};
    return p;
  }
  p.scopes = {"openid", "email", "profile", "groups", "offline_access"};
  if (!c.k8s_audience_client_id.empty()) p.scopes.push_back("audience:server:client_id:" + c.k8s_audience_client_id);
  if (!c.connector_id.empty()) p.authorize_params.emplace_back("connector_id", c.connector_id);
  p.has_groups = true;
  return p;
}

Identity identity_from_claims(const Jwt& jwt) {
  Identity id;
  id.issuer = std::string(string_or(jwt.claims, "iss"));
  id.subject = std::string(string_or(jwt.claims, "sub"));
  id.email = std::string(string_or(jwt.claims, "email"));
  if (const auto* groups = find_array(jwt.claims, "groups")) {
    for (const auto& g : *groups) {
      if (g.is_string()) id.groups.emplace_back(g.as_string());
    }
  }
  if (const auto* aud = find(jwt.claims, "aud")) {
    if (aud->is_string()) id.audiences.emplace_back(aud->as_string());
    if (aud->is_array()) {
      for (const auto& a : aud->as_array()) {
        if (a.is_string()) id.audiences.emplace_back(a.as_string());
      }
    }
  }
  id.expiry = expiry_of(jwt);
  return id;
}

Upstream::Upstream(net::any_io_executor executor, UpstreamConfig config)
    : executor_(std::move(executor)), config_(std::move(config)) {}

Task<Result<Upstream::Endpoints>> Upstream::endpoints() {
  if (endpoints_) co_return *endpoints_;
  std::string issuer = config_.issuer;
  while (issuer.ends_with('/')) issuer.pop_back();
  FetchRequest req;
  req.url = issuer + "/.well-known/openid-configuration";
  auto options = fetch_options(config_, "the identity provider's discovery document");
  auto res = co_await fetch(executor_, std::move(req), std::move(options));
  if (!res) co_return std::unexpected(res.error());
  if (res->status != 200) {
    co_return fail(Errc::unavailable, fmt::format("the identity provider's discovery document: HTTP {}", res->status));
  }
  auto doc = json_object(*res, "the identity provider's discovery document");
  if (!doc) co_return std::unexpected(doc.error());
  // OIDC Discovery §4.3: the issuer in the document must be the one we were configured with.
  if (string_or(*doc, "issuer") != config_.issuer) {
    co_return fail(Errc::unavailable, fmt::format("the identity provider says its issuer is \"{}\", not \"{}\"",
                                                  clip(string_or(*doc, "issuer"), 200), config_.issuer));
  }
  Endpoints e{std::string(string_or(*doc, "authorization_endpoint")), std::string(string_or(*doc, "token_endpoint")),
              std::string(string_or(*doc, "jwks_uri"))};
  if (e.authorization.empty() || e.token.empty() || e.jwks.empty()) {
    co_return fail(Errc::unavailable, "the identity provider's discovery document lacks an endpoint");
  }
  // The client secret, codes and refresh tokens go to these: https only (http is for a local
  // test provider, allowed with --allow-private-oauth-urls).
  for (const auto* url : {&e.authorization, &e.token, &e.jwks}) {
    auto u = boost::urls::parse_absolute_uri(*url);
    const bool https = u && u->scheme_id() == boost::urls::scheme::https;
    const bool http = u && u->scheme_id() == boost::urls::scheme::http;
    if (!u || u->host().empty() || !(https || (http && config_.allow_private))) {
      co_return fail(
          Errc::unavailable,
          fmt::format("the identity provider's discovery document names \"{}\": not an https URL", clip(*url, 200)));
    }
  }
  endpoints_ = e;
  co_return e;
}

Task<Result<std::shared_ptr<const Jwks>>> Upstream::jwks(bool refetch) {
  // An unknown kid refetches the set, but not more than once a minute (a forged kid must not
  // make us hammer the provider).
  const auto now = std::chrono::steady_clock::now();
  if (jwks_ && (!refetch || now - jwks_fetched_ < std::chrono::minutes(1))) co_return jwks_;
  auto e = co_await endpoints();
  if (!e) co_return std::unexpected(e.error());
  FetchRequest req;
  req.url = e->jwks;
  auto options = fetch_options(config_, "the identity provider's keys");
  auto res = co_await fetch(executor_, std::move(req), std::move(options));
  if (!res) co_return std::unexpected(res.error());
  if (res->status != 200)
    co_return fail(Errc::unavailable, fmt::format("the identity provider's keys: HTTP {}", res->status));
  auto set = Jwks::parse(res->body);
  if (!set) co_return std::unexpected(set.error());
  jwks_ = std::make_shared<const Jwks>(std::move(*set));
  jwks_fetched_ = now;
  co_return jwks_;
}

Task<Result<std::string>> Upstream::authorization_url(std::string state, std::string nonce,
                                                      std::string code_challenge) {
  auto e = co_await endpoints();
  if (!e) co_return std::unexpected(e.error());
  auto parsed = boost::urls::parse_absolute_uri(e->authorization);  // checked in endpoints()
  if (!parsed) co_return fail(Errc::unavailable, "the identity provider's authorization endpoint is not a URL");
  boost::urls::url u(*parsed);
  const auto profile = provider_profile(config_);
  std::string scope;
  for (const auto& s : profile.scopes) scope += (scope.empty() ? "" : " ") + s;
  auto params = u.params();
  params.append({"client_id", config_.client_id});
  params.append({"redirect_uri", config_.redirect_uri});
  params.append({"response_type", "code"});
  params.append({"scope", scope});
  params.append({"state", state});
  params.append({"nonce", nonce});
  params.append({"code_challenge", code_challenge});
  params.append({"code_challenge_method", "S256"});
  for (const auto& [k, v] : profile.authorize_params) params.append({k, v});
  co_return std::string(u.buffer());
}

Task<Result<Identity>> Upstream::verify_id_token(std::string token, std::vector<std::string> audiences,
                                                 std::string nonce) {
  auto jwt = parse_jwt(token);
  if (!jwt) co_return std::unexpected(jwt.error());
  const auto kid = string_or(jwt->header, "kid");
  auto keys = co_await jwks(false);
  if (!keys) co_return std::unexpected(keys.error());
  if (!kid.empty() && !(*keys)->has_kid(kid)) {
    keys = co_await jwks(true);  // the provider rotated its keys
    if (!keys) co_return std::unexpected(keys.error());
  }
  if (auto ok = (*keys)->verify(*jwt); !ok) co_return std::unexpected(ok.error());
  JwtExpectations expect;
  expect.issuer = config_.issuer;
  expect.audiences = std::move(audiences);
  if (auto ok = check_claims(*jwt, expect); !ok) co_return std::unexpected(ok.error());
  if (!nonce.empty() && string_or(jwt->claims, "nonce") != nonce) {
    co_return fail(Errc::unauthenticated, "the ID token's nonce does not match the login");
  }
  auto id = identity_from_claims(*jwt);
  if (id.subject.empty()) co_return fail(Errc::unauthenticated, "the ID token has no subject");
  co_return id;
}

Task<Result<std::pair<UpstreamTokens, Identity>>> Upstream::token_request(
    std::vector<std::pair<std::string, std::string>> form, std::string nonce, std::string what) {
  auto e = co_await endpoints();
  if (!e) co_return std::unexpected(e.error());
  FetchRequest req;
  req.method = http::verb::post;
  req.url = e->token;
  req.content_type = "application/x-www-form-urlencoded";
  req.body = form_encode(form);
  // client_secret_basic: each part form-encoded first (RFC 6749 §2.3.1).
  const std::vector<std::pair<std::string, std::string>> client_part{{"", config_.client_id}},
      secret_part{{"", config_.client_secret}};
  req.headers.emplace_back("Authorization", "Basic " + base64_encode(form_encode(client_part).substr(1) + ":" +
                                                                     form_encode(secret_part).substr(1)));
  auto options = fetch_options(config_, what);
  auto res = co_await fetch(executor_, std::move(req), std::move(options));
  if (!res) co_return std::unexpected(res.error());
  auto body = json_object(*res, what);
  if (res->status != 200) {
    // The provider's error code is safe to show (RFC 6749 §5.2); its description may echo input.
    const auto code = body ? std::string(string_or(*body, "error")) : std::string();
    co_return fail(res->status == 400 || res->status == 401 ? Errc::unauthenticated : Errc::unavailable,
                   fmt::format("{}: HTTP {}{}", what, res->status, code.empty() ? "" : " (" + clip(code, 64) + ")"));
  }
  if (!body) co_return std::unexpected(body.error());
  UpstreamTokens tokens;
  tokens.id_token = std::string(string_or(*body, "id_token"));
  tokens.refresh_token = std::string(string_or(*body, "refresh_token"));
  if (tokens.id_token.empty()) co_return fail(Errc::unavailable, fmt::format("{}: the answer has no ID token", what));
  std::vector<std::string> audiences{config_.client_id};
  auto id = co_await verify_id_token(tokens.id_token, std::move(audiences), std::move(nonce));
  if (!id) co_return std::unexpected(id.error());
  tokens.id_expiry = id->expiry;
  co_return std::make_pair(std::move(tokens), std::move(*id));
}

Task<Result<std::pair<UpstreamTokens, Identity>>> Upstream::exchange_code(std::string code, std::string verifier,
                                                                          std::string nonce) {
  std::vector<std::pair<std::string, std::string>> form{{"grant_type", "authorization_code"},
                                                        {"code", std::move(code)},
                                                        {"redirect_uri", config_.redirect_uri},
                                                        {"code_verifier", std::move(verifier)}};
  std::string what = "the identity provider's token exchange";
  co_return co_await token_request(std::move(form), std::move(nonce), std::move(what));
}

Task<Result<std::pair<UpstreamTokens, Identity>>> Upstream::refresh(std::string refresh_token) {
  std::vector<std::pair<std::string, std::string>> form{{"grant_type", "refresh_token"},
                                                        {"refresh_token", std::move(refresh_token)}};
  const auto profile = provider_profile(config_);
  std::string scope;
  for (const auto& s : profile.scopes) scope += (scope.empty() ? "" : " ") + s;
  form.emplace_back("scope", scope);
  std::string no_nonce, what = "the identity provider's token refresh";
  co_return co_await token_request(std::move(form), std::move(no_nonce), std::move(what));
}

}  // namespace mcpk::auth
