// The serve command's flags: names, defaults, environment variables and help, as the
// reference's README lists them; typed values (durations as durations) are parsed here, once.
#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <array>

#include "app/options.hpp"

namespace mcpk::app {
namespace {

// A duration flag's check, run on the text before it is converted: the message names the
// reason (CLI11 prefixes the flag).
CLI::Validator duration_check(bool allow_zero) {
  return CLI::Validator(
      [allow_zero](std::string& text) -> std::string {
        auto d = parse_duration(text);
        if (!d) return d.error().message;
        if (!allow_zero && d->count() == 0) return "must be greater than zero";
        return {};
      },
      "DURATION");
}

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
      ->check(duration_check(false))
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
      ->check(duration_check(false))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--shutdown-timeout", h.shutdown_timeout, "Bound on finishing calls in flight at shutdown")
      ->check(duration_check(true))
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
  cmd.add_option("--oauth-rate-limit-per-ip", o.rate_limit_per_ip,
                 "Requests per minute to the OAuth endpoints from one address (0: no limit)")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--oauth-rate-limit-per-user", o.rate_limit_per_user,
                 "Requests per minute to the MCP endpoint from one signed-in user (0: no limit)")
      ->capture_default_str()
      ->group(g);
  const char* r = "OAuth client registration and redirect URIs (secure by default)";
  cmd.add_flag("--disable-production-mode", o.disable_production_mode,
               "Allow http and private addresses in redirect URIs (development only)")
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
  cmd.add_option("--valkey-password", o.valkey_password, "Valkey/Redis password (prefer the file)")
      ->envname("VALKEY_PASSWORD")
      ->group(g);
  cmd.add_option("--valkey-password-file", o.valkey_password_file, "File holding the Valkey/Redis password")->group(g);
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
      ->check(duration_check(false))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--refresh-token-ttl", o.refresh_token_ttl, "Lifetime of issued refresh tokens")
      ->check(duration_check(false))
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
      ->check(duration_check(false))
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
  cmd.add_option("--capi-group-mappings", c.group_mappings,
                 "JSON object renaming groups for workload clusters, e.g. {\"oidc:platform\": \"platform-admins\"}")
      ->envname("WC_GROUP_MAPPINGS")
      ->group(g);
}

void add_telemetry_flags(CLI::App& cmd, TelemetryOptions& t) {
  const char* g = "Observability";
  cmd.add_option("--metrics-addr", t.metrics_addr, "Prometheus /metrics listen address")
      ->capture_default_str()
      ->group(g);
  cmd.add_flag("--metrics-enabled", t.metrics_enabled, "Serve Prometheus metrics (--metrics-enabled=false: off)")
      ->group(g);
  // The reference's environment variables (no flags of their own there): hidden options.
  cmd.add_option("--instrumentation-enabled", t.instrumentation_enabled, "Metrics and tracing on or off")
      ->envname("INSTRUMENTATION_ENABLED")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            for (auto ok : {"true", "false", "1", "0", "on", "off", "yes", "no"}) {
              if (v == ok) return {};
            }
            return "INSTRUMENTATION_ENABLED (--instrumentation-enabled) must be true or false, not \"" + v + "\"";
          },
          "BOOL"))
      ->group("");
  cmd.add_option("--metrics-exporter", t.metrics_exporter, "Where metrics go: prometheus, otlp or stdout")
      ->envname("METRICS_EXPORTER")
      ->group("");
  cmd.add_option("--tracing-exporter", t.tracing_exporter, "Where traces go: none, otlp or stdout")
      ->envname("TRACING_EXPORTER")
      ->group("");
  cmd.add_option("--traces-sampler-arg", t.traces_sampler_ratio, "Share of new traces sampled (0 to 1)")
      ->envname("OTEL_TRACES_SAMPLER_ARG")
      ->group("");
}

}  // namespace

void add_serve_flags(CLI::App& cmd, ServeOptions& o) {
  cmd.add_flag("--debug", o.debug, "Log at debug level")->group("General");
  cmd.add_option("--log-format", o.log_format,
                 "Log format on stderr: text or json (default: json in a pod, where KUBERNETES_SERVICE_HOST is "
                 "set; else text)")
      ->group("General");
  add_kube_flags(cmd, o.kube);
  add_policy_flags(cmd, o.policy);
  add_http_flags(cmd, o.http);
  add_oauth_flags(cmd, o.oauth);
  add_capi_flags(cmd, o.capi);
  add_telemetry_flags(cmd, o.telemetry);
}

void note_given_flags(const CLI::App& cmd, ServeOptions& o) {
  // The groups whose features have not landed, and the feature each stands for.
  // (none at present: every group's feature has landed)
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 0> kUnlanded{};
  o.unlanded_given.clear();
  o.oauth.given.clear();
  o.capi.given.clear();
  if (const auto* addr = cmd.get_option_no_throw("--metrics-addr")) o.telemetry.metrics_addr_given = addr->count() > 0;
  for (const auto* opt : cmd.get_options()) {
    if (opt->count() == 0) continue;
    if (opt->get_group().starts_with("OAuth") && opt->get_name() != "--enable-oauth")
      o.oauth.given.push_back(opt->get_name());
    if (opt->get_group() == "Cluster API federation" && opt->get_name() != "--enable-capi")
      o.capi.given.push_back(opt->get_name());
    for (const auto& [group, feature] : kUnlanded) {
      if (opt->get_group() == group) o.unlanded_given.push_back(fmt::format("{} ({})", opt->get_name(), feature));
    }
  }
}

}  // namespace mcpk::app
