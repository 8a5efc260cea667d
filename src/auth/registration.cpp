// Dynamic client registration (RFC 7591) and client ID metadata documents.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>
#include <chrono>

#include "auth/server.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "transport/http_client.hpp"

namespace mcpk::auth {

using transport::fetch;
using transport::FetchOptions;
using transport::FetchRequest;
namespace {

namespace http = boost::beast::http;

constexpr std::size_t kMaxRedirectUris = 10;
constexpr Seconds kMetadataDocumentTtl{600};

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool all_of_strings(const json::array& a, std::initializer_list<std::string_view> allowed) {
  for (const auto& v : a) {
    if (!v.is_string() || std::find(allowed.begin(), allowed.end(), std::string_view(v.as_string())) == allowed.end()) {
      return false;
    }
  }
  return true;
}

std::string bearer_of(const transport::Request& req) {
  const auto h = req[http::field::authorization];
  if (h.size() > 7 && lower_ascii(h.substr(0, 7)) == "bearer ") return std::string(h.substr(7));
  return {};
}

}  // namespace

Task<AuthServer::Reply> AuthServer::register_client(Exchange& x) {
  if (x.req.method() != http::verb::post) co_return oauth_error(x, 405, "invalid_request", "use POST");
  auto media = lower_ascii(x.req[http::field::content_type]);
  if (!media.starts_with("application/json")) {
    co_return oauth_error(x, 415, "invalid_client_metadata", "the body must be application/json");
  }
  if (x.req.body().size() > 64 * 1024)
    co_return oauth_error(x, 413, "invalid_client_metadata", "the body is too large");
  auto doc = parse_json(x.req.body(), 16);
  if (!doc || !doc->is_object())
    co_return oauth_error(x, 400, "invalid_client_metadata", "the body is not a JSON object");
  const auto& m = doc->as_object();

  ClientRecord client;
  const auto* uris = find_array(m, "redirect_uris");
  if (!uris || uris->empty()) co_return oauth_error(x, 400, "invalid_redirect_uri", "redirect_uris is required");
  if (uris->size() > kMaxRedirectUris) {
    co_return oauth_error(x, 400, "invalid_redirect_uri", fmt::format("at most {} redirect URIs", kMaxRedirectUris));
  }
  for (const auto& u : *uris) {
    if (!u.is_string()) co_return oauth_error(x, 400, "invalid_redirect_uri", "every redirect URI must be a string");
    client.redirect_uris.emplace_back(u.as_string());
  }
  if (const auto* g = find_array(m, "grant_types"); g && !all_of_strings(*g, {"authorization_code", "refresh_token"})) {
    co_return oauth_error(x, 400, "invalid_client_metadata", "grant_types: only authorization_code and refresh_token");
  }
  if (const auto* r = find_array(m, "response_types"); r && !all_of_strings(*r, {"code"})) {
    co_return oauth_error(x, 400, "invalid_client_metadata", "response_types: only code");
  }
  client.auth_method = std::string(string_or(m, "token_endpoint_auth_method", "client_secret_basic"));
  if (client.auth_method != "none" && client.auth_method != "client_secret_basic" &&
      client.auth_method != "client_secret_post") {
    co_return oauth_error(x, 400, "invalid_client_metadata",
                          "token_endpoint_auth_method: one of none, client_secret_basic, client_secret_post");
  }
  client.name = clip(string_or(m, "client_name"), 100);

  // Who may register: the holder of the registration token, anyone when public registration
  // is on, or — for native apps — anyone whose redirect URIs use a trusted scheme.
  bool allowed = options_.allow_public_registration;
  const auto presented = bearer_of(x.req);
  if (!presented.empty()) {
    if (options_.registration_token.empty() || !constant_time_equal(presented, options_.registration_token)) {
      audit("register", x, "", "", "refused: wrong registration token");
      co_return oauth_error(x, 401, "invalid_token", "the registration token is not valid");
    }
    allowed = true;
  } else if (!allowed && !options_.trusted_schemes.empty()) {
    std::size_t trusted = 0;
    for (const auto& u : client.redirect_uris) {
      const auto scheme = uri_scheme(u);
      if (std::find(options_.trusted_schemes.begin(), options_.trusted_schemes.end(), scheme) !=
          options_.trusted_schemes.end()) {
        ++trusted;
      }
    }
    allowed = options_.strict_scheme_matching ? trusted == client.redirect_uris.size() : trusted > 0;
  }
  if (!allowed) {
    audit("register", x, "", "", "refused: no registration token");
    auto reply = oauth_error(x, 401, "invalid_token", "client registration needs the registration token");
    reply.res.set(http::field::www_authenticate, "Bearer");
    co_return reply;
  }
  for (const auto& u : client.redirect_uris) {
    auto ok = co_await validate_redirect_uri(executor_, u, options_.redirect);
    if (!ok) co_return oauth_error(x, 400, "invalid_redirect_uri", ok.error().message);
  }
  // Per-address limit, counted only for registrations that would succeed.
  auto count = co_await store_->increment("rl:register:" + key_hash(x.peer), Seconds(3600));
  if (!count) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  if (options_.max_clients_per_ip > 0 && *count > options_.max_clients_per_ip) {
    audit("register", x, "", "", "refused: per-address limit");
    co_return oauth_error(x, 429, "slow_down",
                          fmt::format("at most {} registrations per address per hour", options_.max_clients_per_ip));
  }

  client.client_id = random_token(18);
  client.issued_at = now_seconds();
  std::string secret;
  if (client.auth_method != "none") {
    secret = random_token(32);
    client.secret_hash = key_hash(secret);
  }
  auto stored = co_await store_->put("client:" + client.client_id, to_json(to_json_value(client)), Seconds(0));
  if (!stored) co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  audit("register", x, client.client_id, "", "ok");

  json::array redirect_uris;
  for (const auto& u : client.redirect_uris) redirect_uris.emplace_back(u);
  json::object out{{"client_id", client.client_id},
                   {"client_id_issued_at", client.issued_at},
                   {"redirect_uris", std::move(redirect_uris)},
                   {"grant_types", json::array{"authorization_code", "refresh_token"}},
                   {"response_types", json::array{"code"}},
                   {"token_endpoint_auth_method", client.auth_method}};
  if (!client.name.empty()) out["client_name"] = client.name;
  if (!secret.empty()) {
    out["client_secret"] = secret;
    out["client_secret_expires_at"] = 0;
  }
  auto res = transport::json_response(x.req, http::status::created, out);
  res.set(http::field::cache_control, "no-store");
  co_return Reply::whole(std::move(res));
}

Task<Result<ClientRecord>> AuthServer::find_client(std::string client_id) {
  if (client_id.empty() || client_id.size() > 2000) co_return fail(Errc::invalid_argument, "client_id is missing");
  if (options_.enable_cimd && client_id.starts_with("https://")) co_return co_await fetch_metadata_document(client_id);
  auto text = co_await store_->get("client:" + client_id);
  if (!text) co_return std::unexpected(text.error());
  if (!*text) co_return fail(Errc::not_found, "the client is not registered");
  co_return client_from(**text);
}

Task<Result<ClientRecord>> AuthServer::fetch_metadata_document(std::string client_id) {
  // The client_id is the URL of its metadata document (draft-ietf-oauth-client-id-metadata-
  // document): https, a path, no fragment; fetched with the SSRF guard, cached briefly.
  auto u = boost::urls::parse_absolute_uri(client_id);
  if (!u || u->has_fragment() || u->has_userinfo() || u->encoded_path().size() < 2) {
    co_return fail(Errc::invalid_argument, "a client ID metadata document URL must be https with a path");
  }
  const auto cache_key = "cimd:" + key_hash(client_id);
  auto cached = co_await store_->get(cache_key);
  if (cached && *cached) co_return client_from(**cached);
  FetchRequest req;
  req.url = client_id;
  FetchOptions o;
  o.allow_private = options_.cimd_allow_private;
  o.timeout = std::chrono::seconds(10);
  o.max_body = 1024 * 1024;
  o.what = "the client ID metadata document";
  auto res = co_await fetch(executor_, std::move(req), std::move(o));
  if (!res) co_return std::unexpected(res.error());
  if (res->status != 200) {
    co_return fail(Errc::not_found, fmt::format("the client ID metadata document answered HTTP {} (redirects are not "
                                                "followed)",
                                                res->status));
  }
  auto doc = parse_json(res->body, 16);
  if (!doc || !doc->is_object()) co_return fail(Errc::invalid_argument, "the client ID metadata document is not JSON");
  const auto& m = doc->as_object();
  if (string_or(m, "client_id") != client_id) {
    co_return fail(Errc::invalid_argument, "the client ID metadata document names another client_id");
  }
  const auto method = string_or(m, "token_endpoint_auth_method", "none");
  if (method != "none") {
    co_return fail(Errc::invalid_argument, "a client ID metadata document client must be public (auth method none)");
  }
  ClientRecord client;
  client.client_id = client_id;
  client.name = clip(string_or(m, "client_name"), 100);
  client.metadata_document = true;
  if (const auto* uris = find_array(m, "redirect_uris")) {
    for (const auto& v : *uris) {
      if (v.is_string() && client.redirect_uris.size() < kMaxRedirectUris)
        client.redirect_uris.emplace_back(v.as_string());
    }
  }
  if (client.redirect_uris.empty())
    co_return fail(Errc::invalid_argument, "the client ID metadata document has no redirect_uris");
  for (const auto& uri : client.redirect_uris) {
    if (auto ok = check_redirect_uri(uri, options_.redirect); !ok) co_return std::unexpected(ok.error());
  }
  auto stored = co_await store_->put(cache_key, to_json(to_json_value(client)), kMetadataDocumentTtl);
  if (!stored) spdlog::warn("oauth: cannot cache a client ID metadata document: {}", stored.error().message);
  co_return client;
}

}  // namespace mcpk::auth
