#include "app/options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "core/base64.hpp"
#include "core/redact.hpp"

namespace mcpk::app {
namespace {

// --- flag declaration ---------------------------------------------------------------------

void add_kube_flags(CLI::App& cmd, KubeOptions& k) {
  const char* g = "Kubernetes client";
  cmd.add_option("--kubeconfig", k.kubeconfig, "Kubeconfig file (default: $KUBECONFIG list, else ~/.kube/config)")
      ->group(g);
  cmd.add_option("--context", k.context, "Kubeconfig context to start with (default: current-context)")->group(g);
  cmd.add_flag("--in-cluster", k.in_cluster, "Use the pod's service account instead of a kubeconfig")->group(g);
  cmd.add_option("--qps-limit", k.qps_limit, "Client-side API request rate (requests per second)")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--burst-limit", k.burst_limit, "Client-side API request burst")->capture_default_str()->group(g);
  cmd.add_option("--tool-timeout", k.tool_timeout, "Deadline of every tool call (Go duration)")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--max-response-bytes", k.max_response_bytes, "Byte budget of every tool result")
      ->capture_default_str()
      ->group(g);
  cmd.add_flag("--show-secret-values", k.show_secret_values, "Do not mask Secret data in results (unsafe)")->group(g);
}

void add_policy_flags(CLI::App& cmd, policy::PolicyConfig& p) {
  const char* g = "Safety";
  cmd.add_flag("--non-destructive", p.non_destructive,
               "Refuse every request that changes cluster state; mutating tools are not listed "
               "(default true; --non-destructive=false to allow changes)")
      ->group(g);
  cmd.add_flag("--dry-run", p.dry_run, "Run mutating tools with dryRun=All (exec and port-forward stay refused)")
      ->group(g);
  cmd.add_option("--allowed-operations", p.allowed_operations,
                 "Only these operations (comma-separated: get,list,describe,logs,...)")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--denied-operations", p.denied_operations, "Never these operations (comma-separated)")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--allowed-namespaces", p.allowed_namespaces, "Only these namespaces (comma-separated globs)")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--denied-namespaces", p.denied_namespaces, "Never these namespaces (comma-separated globs)")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--denied-resources", p.denied_resources, "Never these resource types (e.g. secrets)")
      ->delimiter(',')
      ->group(g);
}

void add_http_flags(CLI::App& cmd, HttpOptions& h) {
  const char* g = "Transport";
  cmd.add_option("--transport", h.transport, "stdio or streamable-http")->capture_default_str()->group(g);
  cmd.add_option("--http-addr", h.http_addr, "Listen address of the HTTP transport ([host]:port)")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--http-endpoint", h.http_endpoint, "Path of the MCP endpoint")->capture_default_str()->group(g);
  cmd.add_flag("--disable-streaming", h.disable_streaming, "Answer POSTs with plain JSON; GET gives 405")->group(g);
  cmd.add_option("--tls-cert-file", h.tls_cert_file, "TLS certificate (PEM) for the HTTP transport")
      ->envname("TLS_CERT_FILE")
      ->group(g);
  cmd.add_option("--tls-key-file", h.tls_key_file, "TLS private key (PEM) for the HTTP transport")
      ->envname("TLS_KEY_FILE")
      ->group(g);
  cmd.add_option("--allowed-origins", h.allowed_origins,
                 "Origins accepted besides localhost (comma-separated; DNS-rebinding protection)")
      ->envname("ALLOWED_ORIGINS")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--max-request-size", h.max_request_size, "Largest accepted request body in bytes (413 above)")
      ->envname("MAX_REQUEST_SIZE")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--sse-endpoint", h.sse_endpoint, "Legacy SSE transport only; not offered (use streamable-http)")
      ->group(g);
  cmd.add_option("--message-endpoint", h.message_endpoint,
                 "Legacy SSE transport only; not offered (use streamable-http)")
      ->group(g);
  cmd.add_option("--max-sessions", h.max_sessions, "Most concurrent MCP sessions")->capture_default_str()->group(g);
  cmd.add_option("--session-idle-timeout", h.session_idle_timeout, "Idle MCP sessions expire after this")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--shutdown-timeout", h.shutdown_timeout, "Bound on finishing calls in flight at shutdown")
      ->capture_default_str()
      ->group(g);
}

void add_oauth_flags(CLI::App& cmd, OAuthOptions& o) {
  const char* g = "OAuth 2.1 (streamable-http only)";
  cmd.add_flag("--enable-oauth", o.enable, "Act as an OAuth 2.1 authorization server for MCP clients")->group(g);
  cmd.add_option("--oauth-base-url", o.base_url, "Public base URL of this server (issuer, redirect URIs)")
      ->envname("MCP_OAUTH_BASE_URL")
      ->group(g);
  cmd.add_option("--oauth-provider", o.provider, "Upstream identity provider: dex or google")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--google-client-id", o.google_client_id, "Google OAuth client id")
      ->envname("GOOGLE_CLIENT_ID")
      ->group(g);
  cmd.add_option("--google-client-secret", o.google_client_secret, "Google OAuth client secret (prefer the file)")
      ->envname("GOOGLE_CLIENT_SECRET")
      ->group(g);
  cmd.add_option("--google-client-secret-file", o.google_client_secret_file, "File holding the Google client secret")
      ->group(g);
  cmd.add_option("--dex-issuer-url", o.dex_issuer_url, "Dex (OIDC) issuer URL")->envname("DEX_ISSUER_URL")->group(g);
  cmd.add_option("--dex-client-id", o.dex_client_id, "Dex client id")->envname("DEX_CLIENT_ID")->group(g);
  cmd.add_option("--dex-client-secret", o.dex_client_secret, "Dex client secret (prefer the file)")
      ->envname("DEX_CLIENT_SECRET")
      ->group(g);
  cmd.add_option("--dex-client-secret-file", o.dex_client_secret_file, "File holding the Dex client secret")->group(g);
  cmd.add_option("--dex-connector-id", o.dex_connector_id, "Dex connector to skip the connector chooser")
      ->envname("DEX_CONNECTOR_ID")
      ->group(g);
  cmd.add_option("--dex-ca-file", o.dex_ca_file, "CA bundle for the Dex issuer's TLS certificate")
      ->envname("DEX_CA_FILE")
      ->group(g);
  cmd.add_option("--dex-k8s-authenticator-client-id", o.dex_k8s_authenticator_client_id,
                 "Dex client whose audience Kubernetes accepts (cross-client tokens for downstream OAuth)")
      ->envname("DEX_K8S_AUTHENTICATOR_CLIENT_ID")
      ->group(g);
  cmd.add_option("--registration-token", o.registration_token, "Bearer token required for client registration")
      ->envname("MCP_REGISTRATION_TOKEN")
      ->group(g);
  cmd.add_option("--registration-token-file", o.registration_token_file, "File holding the registration token")
      ->group(g);
  cmd.add_flag("--allow-public-registration", o.allow_public_registration,
               "Anyone may register a client (RFC 7591) without a token")
      ->group(g);
  cmd.add_flag("--allow-insecure-auth-without-state", o.allow_insecure_auth_without_state,
               "Accept authorization requests without state (compatibility; unsafe)")
      ->group(g);
  cmd.add_flag("--allow-private-oauth-urls", o.allow_private_oauth_urls,
               "Allow OAuth/Dex URLs on private addresses or localhost")
      ->group(g);
  cmd.add_option("--max-clients-per-ip", o.max_clients_per_ip, "Client registrations allowed per IP address")
      ->capture_default_str()
      ->group(g);
  const char* r = "OAuth client registration and redirect URIs (secure by default)";
  cmd.add_flag("--disable-production-mode", o.disable_production_mode,
               "Allow http and private addresses in redirect URIs (development only)")
      ->group(r);
  cmd.add_flag("--allow-localhost-redirect-uris", o.allow_localhost_redirect_uris,
               "Allow http://localhost redirect URIs (RFC 8252 native apps)")
      ->group(r);
  cmd.add_flag("--allow-private-ip-redirect-uris", o.allow_private_ip_redirect_uris,
               "Allow RFC 1918 addresses in redirect URIs")
      ->group(r);
  cmd.add_flag("--allow-link-local-redirect-uris", o.allow_link_local_redirect_uris,
               "Allow link-local (169.254.x.x) addresses in redirect URIs")
      ->group(r);
  cmd.add_flag("--disable-dns-validation", o.disable_dns_validation, "Do not resolve redirect URI hosts")->group(r);
  cmd.add_flag("--disable-dns-validation-strict", o.disable_dns_validation_strict,
               "Accept a redirect URI whose host does not resolve")
      ->group(r);
  cmd.add_flag("--disable-authorization-time-validation", o.disable_authorization_time_validation,
               "Do not re-check redirect URIs at authorization time")
      ->group(r);
  cmd.add_option("--trusted-public-registration-schemes", o.trusted_public_registration_schemes,
                 "Custom URI schemes that may register without a token (e.g. cursor,vscode)")
      ->delimiter(',')
      ->group(r);
  cmd.add_flag("--disable-strict-scheme-matching", o.disable_strict_scheme_matching,
               "Allow registrations mixing trusted and other schemes")
      ->group(r);
  cmd.add_flag("--enable-cimd", o.enable_cimd,
               "Accept Client ID Metadata Documents (MCP 2025-11-25; --enable-cimd=false: off)")
      ->envname("ENABLE_CIMD")
      ->group(r);
  cmd.add_flag("--cimd-allow-private-ips", o.cimd_allow_private_ips,
               "Client ID Metadata Document URLs may resolve to private addresses")
      ->envname("CIMD_ALLOW_PRIVATE_IPS")
      ->group(r);
  cmd.add_flag("--sso-allow-private-ips", o.sso_allow_private_ips, "SSO JWKS endpoints may be private addresses")
      ->envname("SSO_ALLOW_PRIVATE_IPS")
      ->group(r);
  cmd.add_option("--oauth-encryption-key", o.encryption_key,
                 "AES-256-GCM key (base64, 32 bytes) for stored upstream tokens (prefer the file)")
      ->envname("OAUTH_ENCRYPTION_KEY")
      ->group(g);
  cmd.add_option("--oauth-encryption-key-file", o.encryption_key_file, "File holding the encryption key")->group(g);
  cmd.add_option("--oauth-storage-type", o.storage_type, "Token storage: memory or valkey")
      ->envname("OAUTH_STORAGE_TYPE")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--valkey-url", o.valkey_url, "Valkey/Redis address (host:port or redis[s]://...)")
      ->envname("VALKEY_URL")
      ->group(g);
  cmd.add_option("--valkey-password", o.valkey_password, "Valkey/Redis password")->envname("VALKEY_PASSWORD")->group(g);
  cmd.add_flag("--valkey-tls", o.valkey_tls, "Use TLS to Valkey/Redis")->envname("VALKEY_TLS_ENABLED")->group(g);
  cmd.add_option("--valkey-key-prefix", o.valkey_key_prefix, "Key prefix in Valkey/Redis")
      ->envname("VALKEY_KEY_PREFIX")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--valkey-db", o.valkey_db, "Valkey/Redis database number")
      ->envname("VALKEY_DB")
      ->capture_default_str()
      ->group(g);
  cmd.add_flag("--downstream-oauth", o.downstream_oauth,
               "Call Kubernetes with the user's own OIDC ID token (cluster RBAC decides per user)")
      ->group(g);
  cmd.add_option("--oauth-trusted-audiences", o.trusted_audiences,
                 "Client ids whose forwarded tokens are accepted (SSO; comma-separated)")
      ->envname("OAUTH_TRUSTED_AUDIENCES")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--access-token-ttl", o.access_token_ttl, "Lifetime of issued access tokens")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--refresh-token-ttl", o.refresh_token_ttl, "Lifetime of issued refresh tokens")
      ->capture_default_str()
      ->group(g);
}

void add_capi_flags(CLI::App& cmd, CapiOptions& c) {
  const char* g = "Cluster API federation";
  cmd.add_flag("--enable-capi", c.enable, "Reach workload clusters through Cluster API (needs OAuth)")
      ->envname("CAPI_MODE_ENABLED")
      ->group(g);
  cmd.add_option("--capi-mode", c.mode, "impersonation or sso-passthrough")
      ->envname("WC_AUTH_MODE")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--capi-cache-ttl", c.cache_ttl, "Lifetime of cached workload-cluster clients")
      ->envname("CLIENT_CACHE_TTL")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--capi-cache-max-entries", c.cache_max_entries, "Most cached workload-cluster clients")
      ->envname("CLIENT_CACHE_MAX_ENTRIES")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--capi-ca-configmap-suffix", c.ca_configmap_suffix, "Suffix of the CA ConfigMap (sso-passthrough)")
      ->envname("WC_CA_CONFIGMAP_SUFFIX")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--capi-kubeconfig-secret-suffix", c.kubeconfig_secret_suffix,
                 "Suffix of the kubeconfig Secret (impersonation)")
      ->capture_default_str()
      ->group(g);
}

void add_telemetry_flags(CLI::App& cmd, TelemetryOptions& t) {
  const char* g = "Observability";
  cmd.add_option("--metrics-addr", t.metrics_addr, "Prometheus /metrics listen address")
      ->capture_default_str()
      ->group(g);
  cmd.add_flag("--metrics-enabled", t.metrics_enabled, "Serve Prometheus metrics (--metrics-enabled=false: off)")
      ->group(g);
}

// --- validation helpers ---------------------------------------------------------------------

std::unexpected<Error> bad(std::string_view flag, std::string_view why) {
  return fail(Errc::invalid_argument, fmt::format("--{}: {}", flag, why));
}

Result<void> check_duration(std::string_view flag, const std::string& value, bool allow_zero = false) {
  auto d = parse_duration(value);
  if (!d) return bad(flag, d.error().message);
  if (!allow_zero && d->count() == 0) return bad(flag, "must be greater than zero");
  return {};
}

Result<void> check_readable(std::string_view flag, const std::string& path) {
  if (path.empty()) return {};
  std::ifstream f(path);
  if (!f) return bad(flag, fmt::format("cannot read file \"{}\"", path));
  return {};
}

Result<void> check_secret_pair(std::string_view flag, const std::string& value, const std::string& file) {
  if (!value.empty() && !file.empty()) {
    return bad(flag, fmt::format("give the value or --{}-file, not both", flag));
  }
  return check_readable(fmt::format("{}-file", flag), file);
}

Result<void> check_addr(std::string_view flag, const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return bad(flag, fmt::format("\"{}\" is not [host]:port (e.g. :8080)", addr));
  std::string_view port = std::string_view(addr).substr(colon + 1);
  int n = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (ec != std::errc{} || p != port.data() + port.size() || n < 0 || n > 65535) {
    return bad(flag, fmt::format("\"{}\" has no valid port (0-65535)", addr));
  }
  return {};
}

Result<void> check_url(std::string_view flag, const std::string& url, bool require_https) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || (u->scheme() != "https" && u->scheme() != "http") || u->host().empty()) {
    return bad(flag, fmt::format("\"{}\" is not an http(s) URL", redact_url(url)));
  }
  if (require_https && u->scheme() != "https") {
    auto host = u->host();
    if (host != "localhost" && host != "127.0.0.1" && host != "[::1]") {
      return bad(flag, "must use https (http is accepted only for localhost)");
    }
  }
  return {};
}

// The AES-256-GCM key: base64 of exactly 32 bytes, given inline or in a file.
Result<void> check_encryption_key(const OAuthOptions& o) {
  std::string text = o.encryption_key;
  if (text.empty() && !o.encryption_key_file.empty()) {
    std::ifstream f(o.encryption_key_file);
    std::getline(f, text);
  }
  if (text.empty()) return {};
  auto key = base64_decode(text);
  if (!key || key->size() != 32) {
    return bad("oauth-encryption-key", "must be base64 of exactly 32 random bytes (e.g. openssl rand -base64 32)");
  }
  return {};
}

#define MCPK_TRY(expr)                    \
  do {                                    \
    if (auto r_ = (expr); !r_) return r_; \
  } while (0)

Result<void> validate_kube(const KubeOptions& k) {
  if (k.in_cluster && !k.kubeconfig.empty()) return bad("in-cluster", "cannot be combined with --kubeconfig");
  if (k.in_cluster && !k.context.empty()) return bad("in-cluster", "cannot be combined with --context");
  if (!k.kubeconfig.empty() && !std::filesystem::exists(k.kubeconfig)) {
    return bad("kubeconfig", fmt::format("file \"{}\" does not exist", k.kubeconfig));
  }
  if (!(k.qps_limit > 0)) return bad("qps-limit", "must be greater than zero");
  if (k.burst_limit < 1) return bad("burst-limit", "must be at least 1");
  MCPK_TRY(check_duration("tool-timeout", k.tool_timeout));
  if (k.max_response_bytes < 1024) return bad("max-response-bytes", "must be at least 1024");
  return {};
}

Result<void> validate_http(const HttpOptions& h) {
  if (h.transport == "sse") {
    return bad("transport", "the SSE transport (MCP 2024-11-05) is not offered; use streamable-http");
  }
  if (h.transport != "stdio" && h.transport != "streamable-http") {
    return bad("transport", fmt::format("\"{}\" is not one of: stdio, streamable-http", h.transport));
  }
  MCPK_TRY(check_addr("http-addr", h.http_addr));
  if (h.http_endpoint.empty() || h.http_endpoint.front() != '/') return bad("http-endpoint", "must start with '/'");
  if (h.tls_cert_file.empty() != h.tls_key_file.empty()) {
    return bad(h.tls_cert_file.empty() ? "tls-key-file" : "tls-cert-file",
               "--tls-cert-file and --tls-key-file go together");
  }
  MCPK_TRY(check_readable("tls-cert-file", h.tls_cert_file));
  MCPK_TRY(check_readable("tls-key-file", h.tls_key_file));
  for (const auto& o : h.allowed_origins) {
    if (o != "*" && !boost::urls::parse_absolute_uri(o)) {
      return bad("allowed-origins", fmt::format("\"{}\" is not an origin (e.g. https://app.example.com)", o));
    }
  }
  if (h.max_request_size < 1024) return bad("max-request-size", "must be at least 1024");
  if (!h.sse_endpoint.empty()) return bad("sse-endpoint", "the SSE transport is not offered; use streamable-http");
  if (!h.message_endpoint.empty()) {
    return bad("message-endpoint", "the SSE transport is not offered; use streamable-http");
  }
  if (h.max_sessions < 1) return bad("max-sessions", "must be at least 1");
  MCPK_TRY(check_duration("session-idle-timeout", h.session_idle_timeout));
  MCPK_TRY(check_duration("shutdown-timeout", h.shutdown_timeout, true));
  return {};
}

Result<void> validate_oauth(const ServeOptions& s) {
  const auto& o = s.oauth;
  if (!o.enable) {
    if (o.downstream_oauth) return bad("downstream-oauth", "needs --enable-oauth");
    return {};
  }
  if (s.http.transport != "streamable-http") return bad("enable-oauth", "needs --transport=streamable-http");
  if (o.base_url.empty()) return bad("oauth-base-url", "is required with --enable-oauth");
  MCPK_TRY(check_url("oauth-base-url", o.base_url, true));
  if (o.provider == "dex") {
    if (o.dex_issuer_url.empty()) return bad("dex-issuer-url", "is required with --oauth-provider=dex");
    MCPK_TRY(check_url("dex-issuer-url", o.dex_issuer_url, true));
    if (o.dex_client_id.empty()) return bad("dex-client-id", "is required with --oauth-provider=dex");
    MCPK_TRY(check_secret_pair("dex-client-secret", o.dex_client_secret, o.dex_client_secret_file));
    if (o.dex_client_secret.empty() && o.dex_client_secret_file.empty()) {
      return bad("dex-client-secret", "is required with --oauth-provider=dex (or --dex-client-secret-file)");
    }
    MCPK_TRY(check_readable("dex-ca-file", o.dex_ca_file));
  } else if (o.provider == "google") {
    if (o.google_client_id.empty()) return bad("google-client-id", "is required with --oauth-provider=google");
    MCPK_TRY(check_secret_pair("google-client-secret", o.google_client_secret, o.google_client_secret_file));
    if (o.google_client_secret.empty() && o.google_client_secret_file.empty()) {
      return bad("google-client-secret", "is required with --oauth-provider=google (or --google-client-secret-file)");
    }
  } else {
    return bad("oauth-provider", fmt::format("\"{}\" is not one of: dex, google", o.provider));
  }
  MCPK_TRY(check_secret_pair("registration-token", o.registration_token, o.registration_token_file));
  MCPK_TRY(check_secret_pair("oauth-encryption-key", o.encryption_key, o.encryption_key_file));
  MCPK_TRY(check_encryption_key(o));
  if (o.max_clients_per_ip < 1) return bad("max-clients-per-ip", "must be at least 1");
  for (const auto& scheme : o.trusted_public_registration_schemes) {
    static constexpr std::string_view kRefused[] = {"javascript", "data", "file", "ftp", "http", "https"};
    const bool syntax_ok = !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
                           std::ranges::all_of(scheme, [](char ch) {
                             return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '.';
                           });
    if (!syntax_ok || std::ranges::find(kRefused, scheme) != std::end(kRefused)) {
      return bad("trusted-public-registration-schemes",
                 fmt::format("\"{}\" is not an acceptable custom URI scheme (RFC 3986; not javascript, data, file, "
                             "ftp, http or https)",
                             scheme));
    }
  }
  if (o.valkey_db < 0) return bad("valkey-db", "must not be negative");
  if (o.storage_type == "valkey") {
    if (o.valkey_url.empty()) return bad("valkey-url", "is required with --oauth-storage-type=valkey");
    if (o.encryption_key.empty() && o.encryption_key_file.empty()) {
      return bad("oauth-encryption-key", "is required with --oauth-storage-type=valkey (tokens at rest are encrypted)");
    }
  } else if (o.storage_type != "memory") {
    return bad("oauth-storage-type", fmt::format("\"{}\" is not one of: memory, valkey", o.storage_type));
  }
  MCPK_TRY(check_duration("access-token-ttl", o.access_token_ttl));
  MCPK_TRY(check_duration("refresh-token-ttl", o.refresh_token_ttl));
  return {};
}

Result<void> validate_capi(const ServeOptions& s) {
  const auto& c = s.capi;
  if (c.mode != "impersonation" && c.mode != "sso-passthrough") {
    return bad("capi-mode", fmt::format("\"{}\" is not one of: impersonation, sso-passthrough", c.mode));
  }
  MCPK_TRY(check_duration("capi-cache-ttl", c.cache_ttl));
  if (c.cache_max_entries < 1) return bad("capi-cache-max-entries", "must be at least 1");
  if (!c.enable) return {};
  if (!s.oauth.enable || !s.oauth.downstream_oauth) {
    return bad("enable-capi", "needs --enable-oauth and --downstream-oauth (each user's own identity)");
  }
  return {};
}

}  // namespace

void add_serve_flags(CLI::App& cmd, ServeOptions& o) {
  cmd.add_flag("--debug", o.debug, "Log at debug level")->group("General");
  cmd.add_option("--log-format", o.log_format, "Log format on stderr: text or json")
      ->capture_default_str()
      ->group("General");
  add_kube_flags(cmd, o.kube);
  add_policy_flags(cmd, o.policy);
  add_http_flags(cmd, o.http);
  add_oauth_flags(cmd, o.oauth);
  add_capi_flags(cmd, o.capi);
  add_telemetry_flags(cmd, o.telemetry);
}

Result<void> validate(const ServeOptions& o) {
  if (o.log_format != "text" && o.log_format != "json") {
    return bad("log-format", fmt::format("\"{}\" is not one of: text, json", o.log_format));
  }
  MCPK_TRY(validate_kube(o.kube));
  if (auto r = policy::validate(o.policy); !r) return r;
  MCPK_TRY(validate_http(o.http));
  MCPK_TRY(validate_oauth(o));
  MCPK_TRY(validate_capi(o));
  MCPK_TRY(check_addr("metrics-addr", o.telemetry.metrics_addr));
  return {};
}

void note_given_flags(const CLI::App& cmd, ServeOptions& o) {
  // The groups whose features have not landed, and the feature each stands for.
  static constexpr std::pair<std::string_view, std::string_view> kUnlanded[] = {
      {"OAuth 2.1 (streamable-http only)", "OAuth 2.1"},
      {"OAuth client registration and redirect URIs (secure by default)", "OAuth 2.1"},
      {"Cluster API federation", "Cluster API federation"},
      {"Observability", "Prometheus metrics"}};
  o.unlanded_given.clear();
  for (const auto* opt : cmd.get_options()) {
    if (opt->count() == 0) continue;
    for (const auto& [group, feature] : kUnlanded) {
      if (opt->get_group() == group) o.unlanded_given.push_back(fmt::format("{} ({})", opt->get_name(), feature));
    }
  }
}

std::vector<std::string> unsupported_features(const ServeOptions& o) {
  std::vector<std::string> out;
  for (const auto& flag : o.unlanded_given) {
    if (flag.starts_with("--enable-oauth ") || flag.starts_with("--enable-capi ")) continue;  // named below
    out.push_back(flag + ": its feature has not landed yet");
  }
  if (o.oauth.enable) out.push_back("--enable-oauth: OAuth 2.1 is not yet supported");
  if (o.capi.enable) out.push_back("--enable-capi: Cluster API federation is not yet supported");
  return out;
}

std::string describe(const ServeOptions& o) {
  return fmt::format(
      "transport={} http-addr={} endpoint={} non-destructive={} dry-run={} qps={} burst={} tool-timeout={} "
      "oauth={} provider={} registration-token={} encryption-key={} storage={} valkey-url={} capi={}",
      o.http.transport, o.http.http_addr, o.http.http_endpoint, o.policy.non_destructive, o.policy.dry_run,
      o.kube.qps_limit, o.kube.burst_limit, o.kube.tool_timeout, o.oauth.enable, o.oauth.provider,
      redact_secret(o.oauth.registration_token + o.oauth.registration_token_file),
      redact_secret(o.oauth.encryption_key + o.oauth.encryption_key_file), o.oauth.storage_type,
      redact_url(o.oauth.valkey_url), o.capi.enable);
}

}  // namespace mcpk::app
