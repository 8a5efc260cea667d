#include "app/oauth.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <cctype>
#include <fstream>

#include "auth/memory_store.hpp"
#include "auth/redis_store.hpp"

namespace mcpk::app {
namespace {

// A secret given inline or in a file (its first line, without trailing whitespace).
Result<std::string> secret(std::string_view flag, const std::string& value, const std::string& file) {
  if (!value.empty() || file.empty()) return value;
  std::ifstream f(file);
  std::string text;
  if (!f || !std::getline(f, text)) {
    return fail(Errc::invalid_argument, fmt::format("--{}-file: cannot read {}", flag, file));
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty()) return fail(Errc::invalid_argument, fmt::format("--{}-file: {} holds no secret", flag, file));
  return text;
}

}  // namespace

Result<std::shared_ptr<auth::AuthServer>> make_auth_server(net::any_io_executor executor, const ServeOptions& options) {
  const auto& o = options.oauth;
  auth::AuthOptions a;
  a.issuer = o.base_url;
  while (a.issuer.ends_with('/')) a.issuer.pop_back();
  a.endpoint_path = options.http.http_endpoint;
  auto& up = a.upstream;
  up.provider = o.provider;
  if (o.provider == "google") {
    up.issuer = "https://accounts.google.com";
    up.client_id = o.google_client_id;
    auto s = secret("google-client-secret", o.google_client_secret, o.google_client_secret_file);
    if (!s) return std::unexpected(s.error());
    up.client_secret = std::move(*s);
  } else {
    up.issuer = o.dex_issuer_url;
    up.client_id = o.dex_client_id;
    auto s = secret("dex-client-secret", o.dex_client_secret, o.dex_client_secret_file);
    if (!s) return std::unexpected(s.error());
    up.client_secret = std::move(*s);
    up.connector_id = o.dex_connector_id;
    up.k8s_audience_client_id = o.dex_k8s_authenticator_client_id;
    up.ca_file = o.dex_ca_file;
  }
  up.redirect_uri = a.issuer + "/oauth/callback";
  up.allow_private = o.allow_private_oauth_urls;
  auto token = secret("registration-token", o.registration_token, o.registration_token_file);
  if (!token) return std::unexpected(token.error());
  a.registration_token = std::move(*token);
  a.allow_public_registration = o.allow_public_registration;
  a.trusted_schemes = o.trusted_public_registration_schemes;
  a.strict_scheme_matching = !o.disable_strict_scheme_matching;
  a.max_clients_per_ip = o.max_clients_per_ip;
  a.oauth_per_ip_per_minute = o.rate_limit_per_ip;
  a.mcp_per_user_per_minute = o.rate_limit_per_user;
  a.allow_without_state = o.allow_insecure_auth_without_state;
  a.redirect.production = !o.disable_production_mode;
  a.redirect.allow_private_ips = o.allow_private_ip_redirect_uris;
  a.redirect.allow_link_local = o.allow_link_local_redirect_uris;
  a.redirect.dns_validation = !o.disable_dns_validation;
  a.redirect.dns_strict = !o.disable_dns_validation_strict;
  a.redirect.check_at_authorize = !o.disable_authorization_time_validation;
  a.enable_cimd = o.enable_cimd;
  a.cimd_allow_private = o.cimd_allow_private_ips;
  a.access_ttl = std::chrono::duration_cast<auth::Seconds>(o.access_token_ttl.value);
  a.refresh_ttl = std::chrono::duration_cast<auth::Seconds>(o.refresh_token_ttl.value);
  a.downstream = o.downstream_oauth;
  a.trusted_audiences = o.trusted_audiences;

  // Upstream tokens at rest are sealed. The in-memory store dies with the process, so without
  // a configured key a fresh random one serves; a shared store needs the shared key.
  auto key = secret("oauth-encryption-key", o.encryption_key, o.encryption_key_file);
  if (!key) return std::unexpected(key.error());
  if (key->empty() && o.storage_type == "valkey") {
    return fail(Errc::invalid_argument,
                "--oauth-storage-type=valkey needs --oauth-encryption-key[-file]: replicas share the store, so they "
                "must share the key that seals the upstream tokens in it (base64 of 32 random bytes: "
                "openssl rand -base64 32)");
  }
  auto sealer = key->empty() ? auth::Sealer::create(auth::random_bytes(32)) : auth::Sealer::from_base64(*key);
  if (!sealer) return fail(Errc::invalid_argument, fmt::format("--oauth-encryption-key: {}", sealer.error().message));

  auth::StorePtr store;
  if (o.storage_type == "valkey") {
    auto password = secret("valkey-password", o.valkey_password, o.valkey_password_file);
    if (!password) return std::unexpected(password.error());
    auth::RedisOptions r;
    r.url = o.valkey_url;
    r.password = std::move(*password);
    r.tls = o.valkey_tls;
    r.key_prefix = o.valkey_key_prefix;
    r.db = o.valkey_db;
    auto redis = auth::RedisStore::create(executor, std::move(r));
    if (!redis) return fail(Errc::invalid_argument, fmt::format("--valkey-url: {}", redis.error().message));
    store = std::move(*redis);
  } else {
    store = std::make_shared<auth::MemoryStore>();
  }
  spdlog::info("oauth: issuer {}, {} identity provider {}, token store {}{}{}", a.issuer, up.provider, up.issuer,
               store->kind(), a.downstream ? ", downstream OAuth (each user's own ID token)" : "",
               a.trusted_audiences.empty() ? "" : ", SSO token forwarding");
  return std::make_shared<auth::AuthServer>(executor, std::move(a), std::move(store), std::move(*sealer));
}

}  // namespace mcpk::app
