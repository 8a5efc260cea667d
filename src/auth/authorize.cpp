// /oauth/authorize → consent page → upstream login → /oauth/callback → the client's redirect URI.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "auth/server.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace mcpk::auth {
namespace {

namespace http = boost::beast::http;

constexpr Seconds kRequestTtl{600};
constexpr Seconds kCodeTtl{300};

Result<AuthServer::Params> query_of(const transport::Request& req) {
  const auto target = req.target();
  const auto q = target.find('?');
  if (q == std::string_view::npos) return AuthServer::Params{};
  return parse_params(target.substr(q + 1));
}

// Only "mcp" is granted; an empty scope means it too.
bool scope_is_known(const std::string& scope) {
  std::size_t start = 0;
  while (start <= scope.size()) {
    auto end = scope.find(' ', start);
    if (end == std::string::npos) end = scope.size();
    if (end > start && scope.compare(start, end - start, "mcp") != 0) return false;
    start = end + 1;
  }
  return true;
}

std::string host_of(std::string_view uri) {
  auto u = boost::urls::parse_uri(uri);
  if (!u) return std::string(uri);
  return u->has_authority() ? std::string(u->encoded_host_and_port()) : std::string(u->scheme()) + ":";
}

std::string consent_page(const AuthRequest& r, const std::string& request_id, const std::string& resource) {
  const auto name = r.client_name.empty() ? std::string("An unnamed client") : r.client_name;
  return fmt::format(
      R"(<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Allow access to Kubernetes?</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em}}code{{word-break:break-all}}
button{{font-size:1em;padding:.5em 1.5em;margin-right:1em}}</style></head>
<body>
<h1>Allow access to Kubernetes?</h1>
<p><strong>{0}</strong> (client <code>{1}</code>) asks to use <code>{2}</code> on your behalf: to call its
Kubernetes tools as you, with your own permissions.</p>
<p>After you sign in, you will be sent back to <code>{3}</code>.</p>
<p>Requested scope: <code>{4}</code></p>
<p>Only allow this if you started this sign-in from that application.</p>
<form method="post" action="/oauth/authorize/consent">
<input type="hidden" name="request" value="{5}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
)",
      html_escape(name), html_escape(clip(r.client_id, 120)), html_escape(resource),
      html_escape(host_of(r.redirect_uri)), html_escape(r.scope), html_escape(request_id));
}

}  // namespace

AuthServer::Reply AuthServer::redirect_to_client(Exchange& x, const std::string& redirect_uri,
                                                 const Params& params) const {
  // Built with a URL library: every value encoded, the client's own query kept (RFC 6749 §3.1.2).
  boost::urls::url u(redirect_uri);
  auto q = u.params();
  for (const auto& [k, v] : params) q.append({k, v});
  q.append({"iss", options_.issuer});  // RFC 9207
  return redirect(x, std::string(u.buffer()));
}

Task<AuthServer::Reply> AuthServer::authorize(Exchange& x) {
  if (x.req.method() != http::verb::get) co_return html_error(x, 405, "Method not allowed", "Use GET.");
  auto p = query_of(x.req);
  if (!p) co_return html_error(x, 400, "Invalid authorization request", p.error().message);
  // Until the client and its redirect URI are trusted, errors are shown here, never redirected.
  auto client = co_await find_client(param(*p, "client_id"));
  if (!client) {
    co_return html_error(x, 400, "Unknown client",
                         fmt::format("The application's client_id is not valid: {}", client.error().message));
  }
  std::string redirect_uri = param(*p, "redirect_uri");
  if (redirect_uri.empty()) {
    if (client->redirect_uris.size() != 1) {
      co_return html_error(x, 400, "Invalid authorization request", "redirect_uri is required");
    }
    redirect_uri = client->redirect_uris.front();
  }
  const bool registered = std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                                      [&](const std::string& r) { return redirect_uri_matches(r, redirect_uri); });
  if (!registered) {
    audit("authorize", x, client->client_id, "", "refused: unregistered redirect URI");
    co_return html_error(x, 400, "Invalid redirect URI", "The redirect URI is not registered for this application.");
  }
  if (options_.redirect.check_at_authorize) {
    auto ok = co_await validate_redirect_uri(executor_, redirect_uri, options_.redirect);
    if (!ok) co_return html_error(x, 400, "Invalid redirect URI", ok.error().message);
  }
  // From here on, errors go back to the client (RFC 6749 §4.1.2.1), with its state.
  const auto state = param(*p, "state");
  auto to_client = [&](std::string_view error, std::string_view description) {
    Params out{{"error", std::string(error)}, {"error_description", std::string(description)}};
    if (!state.empty()) out["state"] = state;
    audit("authorize", x, client->client_id, "", fmt::format("refused: {}", error));
    return redirect_to_client(x, redirect_uri, out);
  };
  if (param(*p, "response_type") != "code")
    co_return to_client("unsupported_response_type", "response_type must be code");
  if (state.empty() && !options_.allow_without_state) co_return to_client("invalid_request", "state is required");
  if (state.size() > 1024) co_return to_client("invalid_request", "state is too long");
  const auto challenge = param(*p, "code_challenge");
  if (challenge.empty()) co_return to_client("invalid_request", "PKCE is required: code_challenge is missing");
  if (param(*p, "code_challenge_method") != "S256") {
    co_return to_client("invalid_request", "code_challenge_method must be S256");
  }
  if (challenge.size() != 43 || !base64url_decode(challenge)) {
    co_return to_client("invalid_request", "code_challenge is not a base64url SHA-256 digest");
  }
  const auto resource = param(*p, "resource");
  if (!resource.empty() && resource != resource_ && resource != options_.issuer) {
    co_return to_client("invalid_target", "this server issues tokens only for " + resource_);
  }
  if (!scope_is_known(param(*p, "scope"))) co_return to_client("invalid_scope", "the only scope is mcp");
  AuthRequest request{client->client_id, client->name, redirect_uri, state, challenge, "mcp", resource_, "", ""};
  const auto id = random_token(24);
  auto stored = co_await store_->put("authreq:" + key_hash(id), to_json(to_json_value(request)), kRequestTtl);
  if (!stored) co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  auto res = transport::text_response(x.req, http::status::ok, consent_page(request, id, resource_),
                                      "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  co_return Reply::whole(std::move(res));
}

Task<AuthServer::Reply> AuthServer::consent(Exchange& x) {
  if (x.req.method() != http::verb::post) co_return html_error(x, 405, "Method not allowed", "Use the consent form.");
  // The consent must come from our own page: a browser says where a form post comes from.
  const auto site = lower_ascii(x.req["Sec-Fetch-Site"]);
  const auto origin = x.req[http::field::origin];
  if ((!site.empty() && site != "same-origin" && site != "none") || (!origin.empty() && origin != issuer_origin_)) {
    audit("consent", x, "", "", "refused: a cross-site form post");
    co_return html_error(x, 403, "Invalid consent", "The consent must be given on this server's own page.");
  }
  auto form = read_form(x.req);
  if (!form) co_return html_error(x, form.error().status, "Invalid consent", form.error().message);
  const auto id = param(*form, "request");
  auto text = co_await store_->take("authreq:" + key_hash(id));
  if (!text) co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  if (!*text) co_return html_error(x, 400, "Expired request", "This sign-in request is unknown or expired.");
  auto request = auth_request_from(**text);
  if (!request) co_return html_error(x, 500, "Internal error", "A stored request is damaged.");
  if (param(*form, "decision") != "allow") {
    Params out{{"error", "access_denied"}, {"error_description", "the user denied access"}};
    if (!request->state.empty()) out["state"] = request->state;
    audit("consent", x, request->client_id, "", "denied");
    co_return redirect_to_client(x, request->redirect_uri, out);
  }
  // Upstream login with PKCE and a nonce of its own; the state names this request.
  request->upstream_verifier = random_token(32);
  request->nonce = random_token(16);
  const auto upstream_state = random_token(24);
  auto saved = co_await store_->put("login:" + key_hash(upstream_state), to_json(to_json_value(*request)), kRequestTtl);
  if (!saved) co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  auto url =
      co_await upstream_.authorization_url(upstream_state, request->nonce, sha256_b64url(request->upstream_verifier));
  if (!url) {
    spdlog::error("oauth: {}", url.error().message);
    co_return html_error(x, 502, "Identity provider unavailable", "The identity provider cannot be reached.");
  }
  audit("consent", x, request->client_id, "", "allowed");
  co_return redirect(x, *url);
}

Task<AuthServer::Reply> AuthServer::callback(Exchange& x) {
  if (x.req.method() != http::verb::get) co_return html_error(x, 405, "Method not allowed", "Use GET.");
  auto p = query_of(x.req);
  if (!p) co_return html_error(x, 400, "Invalid callback", p.error().message);
  auto text = co_await store_->take("login:" + key_hash(param(*p, "state")));
  if (!text) co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  if (!*text) co_return html_error(x, 400, "Expired sign-in", "This sign-in is unknown, expired or already used.");
  auto request = auth_request_from(**text);
  if (!request) co_return html_error(x, 500, "Internal error", "A stored request is damaged.");
  Params out;
  if (!request->state.empty()) out["state"] = request->state;
  if (const auto error = param(*p, "error"); !error.empty()) {
    out["error"] = error == "access_denied" ? "access_denied" : "server_error";
    out["error_description"] = "the identity provider refused the sign-in";
    audit("login", x, request->client_id, "", fmt::format("refused by the identity provider: {}", clip(error, 64)));
    co_return redirect_to_client(x, request->redirect_uri, out);
  }
  auto exchanged = co_await upstream_.exchange_code(param(*p, "code"), request->upstream_verifier, request->nonce);
  if (!exchanged) {
    spdlog::warn("oauth: upstream login failed: {}", exchanged.error().message);
    out["error"] = "server_error";
    out["error_description"] = "the sign-in with the identity provider failed";
    audit("login", x, request->client_id, "", "failed: upstream exchange");
    co_return redirect_to_client(x, request->redirect_uri, out);
  }
  auto& [tokens, identity] = *exchanged;
  User user{identity.key(), identity.subject, identity.email, identity.groups};
  if (auto ok = co_await store_upstream(user, tokens); !ok) {
    co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  }
  Grant grant;
  grant.family = random_token(16);
  grant.client_id = request->client_id;
  grant.scope = request->scope;
  grant.resource = request->resource;
  grant.user = user;
  grant.redirect_uri = request->redirect_uri;
  grant.code_challenge = request->code_challenge;
  const auto code = random_token(32);
  auto saved = co_await store_->put("code:" + key_hash(code), to_json(to_json_value(grant)), kCodeTtl);
  if (!saved) co_return html_error(x, 503, "Temporarily unavailable", "The token store cannot be reached.");
  audit("login", x, request->client_id, user.email.empty() ? user.subject : user.email, "ok");
  out["code"] = code;
  co_return redirect_to_client(x, request->redirect_uri, out);
}

}  // namespace mcpk::auth
