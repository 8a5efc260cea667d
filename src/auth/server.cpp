#include "auth/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>

#include "core/json.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace mcpk::auth {
namespace {

namespace http = boost::beast::http;

constexpr const char* kScope = "mcp";

std::string origin_of(const std::string& url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return url;
  return fmt::format("{}://{}", lower_ascii(u->scheme()), lower_ascii(u->encoded_host_and_port()));
}

}  // namespace

Result<std::map<std::string, std::string>> parse_params(std::string_view query) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  // application/x-www-form-urlencoded, decoded here: Boost.URL 1.81's decoded sizes of query
  // values are not reliable (a value read past its end in tests).
  std::size_t n = 0;
  std::string key, val;
  for (std::size_t start = 0; start <= query.size();) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const auto pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    if (++n > 64) return fail(Errc::invalid_argument, "too many parameters");
    const auto eq = pair.find('=');
    if (!percent_decode(pair.substr(0, eq), key, true) ||
        !percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), val, true)) {
      return fail(Errc::invalid_argument, "the parameters are not well-formed (percent-encoding)");
    }
    auto [it, inserted] = out.emplace(key, val);
    if (!inserted) return fail(Errc::invalid_argument, fmt::format("the parameter \"{}\" is repeated", clip(key, 64)));
  }
  return out;
}

std::string param(const std::map<std::string, std::string>& params, const std::string& key) {
  auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

std::expected<std::map<std::string, std::string>, FormError> read_form(const transport::Request& req) {
  if (!lower_ascii(req[http::field::content_type]).starts_with("application/x-www-form-urlencoded")) {
    return std::unexpected(FormError{415, "the body must be application/x-www-form-urlencoded"});
  }
  if (req.body().size() > 16 * 1024) return std::unexpected(FormError{413, "the body is larger than 16 KiB"});
  auto form = parse_params(req.body());
  if (!form) return std::unexpected(FormError{400, form.error().message});
  return std::move(*form);
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

AuthServer::AuthServer(net::any_io_executor executor, AuthOptions options, StorePtr store, Sealer sealer)
    : executor_(executor),
      options_(std::move(options)),
      resource_(options_.issuer + options_.endpoint_path),
      issuer_origin_(origin_of(options_.issuer)),
      store_(std::move(store)),
      sealer_(std::move(sealer)),
      upstream_(executor, options_.upstream) {}

void AuthServer::add_routes(transport::Router& router) {
  auto self = shared_from_this();
  auto bind = [self](Task<Reply> (AuthServer::*fn)(Exchange&)) {
    return [self, fn](Exchange& x) { return ((*self).*fn)(x); };
  };
  // Every OAuth endpoint is rate-limited per client address.
  transport::Middleware per_ip = [self](Exchange& x, const transport::Handler& next) -> Task<Reply> {
    std::string what = "oauth", who = x.peer;
    auto limited =
        co_await self->rate_limited(x, std::move(what), std::move(who), self->options_.oauth_per_ip_per_minute);
    if (limited) co_return std::move(*limited);
    co_return co_await next(x);
  };
  auto add = [&](std::string path, Task<Reply> (AuthServer::*fn)(Exchange&)) {
    router.add(std::move(path), bind(fn), {per_ip});
  };
  add("/.well-known/oauth-protected-resource", &AuthServer::protected_resource_metadata);
  add("/.well-known/oauth-protected-resource" + options_.endpoint_path, &AuthServer::protected_resource_metadata);
  add("/.well-known/oauth-authorization-server", &AuthServer::authorization_server_metadata);
  add("/.well-known/openid-configuration", &AuthServer::authorization_server_metadata);
  add("/oauth/register", &AuthServer::register_client);
  add("/oauth/authorize", &AuthServer::authorize);
  add("/oauth/authorize/consent", &AuthServer::consent);
  add("/oauth/callback", &AuthServer::callback);
  add("/oauth/token", &AuthServer::token);
  add("/oauth/revoke", &AuthServer::revoke);
}

Task<AuthServer::Reply> AuthServer::protected_resource_metadata(Exchange& x) {
  if (x.req.method() != http::verb::get) co_return oauth_error(x, 405, "invalid_request", "use GET");
  json::object doc{{"resource", resource_},
                   {"authorization_servers", json::array{json::value(options_.issuer)}},
                   {"scopes_supported", json::array{kScope}},
                   {"bearer_methods_supported", json::array{"header"}},
                   {"resource_name", "mcp-kubernetes"}};
  co_return Reply::whole(transport::json_response(x.req, http::status::ok, doc));
}

Task<AuthServer::Reply> AuthServer::authorization_server_metadata(Exchange& x) {
  if (x.req.method() != http::verb::get) co_return oauth_error(x, 405, "invalid_request", "use GET");
  const auto& i = options_.issuer;
  json::object doc{
      {"issuer", i},
      {"authorization_endpoint", i + "/oauth/authorize"},
      {"token_endpoint", i + "/oauth/token"},
      {"registration_endpoint", i + "/oauth/register"},
      {"revocation_endpoint", i + "/oauth/revoke"},
      {"scopes_supported", json::array{kScope}},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"grant_types_supported", json::array{"authorization_code", "refresh_token"}},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"token_endpoint_auth_methods_supported", json::array{"none", "client_secret_basic", "client_secret_post"}},
      {"revocation_endpoint_auth_methods_supported", json::array{"none", "client_secret_basic", "client_secret_post"}},
      {"authorization_response_iss_parameter_supported", true}};
  if (options_.enable_cimd) doc["client_id_metadata_document_supported"] = true;
  co_return Reply::whole(transport::json_response(x.req, http::status::ok, doc));
}

Task<std::optional<AuthServer::Reply>> AuthServer::rate_limited(Exchange& x, std::string what, std::string who,
                                                                int limit) {
  if (limit <= 0) co_return std::nullopt;
  auto count = co_await store_->increment("rl:" + what + ":" + key_hash(who), Seconds(60));
  if (!count) {
    spdlog::error("oauth: {}", count.error().message);
    co_return oauth_error(x, 503, "temporarily_unavailable", "the token store cannot be reached");
  }
  if (*count <= limit) co_return std::nullopt;
  if (*count == limit + 1) spdlog::warn("audit oauth event=rate_limited what={} ip={}", what, log_field(x.peer));
  auto reply = oauth_error(x, 429, "slow_down", "too many requests; try again in a minute");
  reply.res.set(http::field::retry_after, "60");
  co_return reply;
}

AuthServer::Reply AuthServer::oauth_error(Exchange& x, unsigned status, std::string_view error,
                                          std::string_view description) const {
  json::object body{{"error", error}};
  if (!description.empty()) body["error_description"] = description;
  auto res = transport::json_response(x.req, static_cast<http::status>(status), body);
  res.set(http::field::cache_control, "no-store");
  return Reply::whole(std::move(res));
}

AuthServer::Reply AuthServer::html_error(Exchange& x, unsigned status, std::string_view title,
                                         std::string_view detail) const {
  auto page = fmt::format(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p>"
      "<p>Close this window and try again from your MCP client.</p></body></html>\n",
      html_escape(title), html_escape(detail));
  auto res =
      transport::text_response(x.req, static_cast<http::status>(status), std::move(page), "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.set("X-Frame-Options", "DENY");
  return Reply::whole(std::move(res));
}

AuthServer::Reply AuthServer::redirect(Exchange& x, const std::string& location) const {
  auto res = transport::text_response(x.req, http::status::found, "", "text/plain");
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "no-store");
  return Reply::whole(std::move(res));
}

void AuthServer::audit(std::string_view event, const Exchange& x, std::string_view client_id, std::string_view user,
                       std::string_view outcome) const {
  spdlog::info("audit oauth event={} client={} user={} ip={} outcome={}", event, log_field(client_id, 128),
               log_field(user, 128), log_field(x.peer), log_field(outcome));
}

}  // namespace mcpk::auth
