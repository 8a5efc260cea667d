/// @file
/// @brief Everything `mcp-kubernetes serve` can be told (SPEC §8), as plain data.
///
/// `add_serve_flags` declares every flag on a CLI11 command (names, defaults, env vars, help);
/// `validate` checks the combination and returns the first problem with the flag it concerns.
/// Nothing here starts anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "policy/config.hpp"

namespace CLI {
class App;
}

namespace mcpk::app {

struct KubeOptions {
  std::string kubeconfig;  ///< explicit kubeconfig path (else KUBECONFIG, else ~/.kube/config)
  std::string context;     ///< starting context (else the kubeconfig's current-context)
  bool in_cluster = false;
  double qps_limit = 20;
  int burst_limit = 30;
  Duration tool_timeout{std::chrono::seconds(30)};
  std::int64_t max_response_bytes = 128 * 1024;
  bool show_secret_values = false;
};

struct HttpOptions {
  std::string transport = "stdio";  ///< stdio | streamable-http
  std::string http_addr = ":8080";
  std::string http_endpoint = "/mcp";
  bool disable_streaming = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string sse_endpoint;      ///< legacy SSE transport only (refused: not offered)
  std::string message_endpoint;  ///< legacy SSE transport only (refused: not offered)
  std::vector<std::string> allowed_origins;
  std::int64_t max_request_size = 5 * 1024 * 1024;
  int max_sessions = 10000;
  Duration session_idle_timeout{std::chrono::minutes(30)};
  Duration shutdown_timeout{std::chrono::seconds(10)};
};

struct OAuthOptions {
  bool enable = false;
  /// The OAuth flags the command line (or their environment variables) set; filled by
  /// note_given_flags(). Without --enable-oauth they would do nothing, so they are refused.
  std::vector<std::string> given;
  std::string base_url;
  std::string provider = "dex";  ///< dex | google
  std::string google_client_id, google_client_secret, google_client_secret_file;
  std::string dex_issuer_url, dex_client_id, dex_client_secret, dex_client_secret_file, dex_connector_id;
  std::string dex_ca_file;
  std::string dex_k8s_authenticator_client_id;
  std::string registration_token, registration_token_file;
  bool allow_public_registration = false;
  bool allow_insecure_auth_without_state = false;
  bool allow_private_oauth_urls = false;
  int max_clients_per_ip = 10;
  int rate_limit_per_ip = 120;     ///< requests per minute to the OAuth endpoints per address; 0: off
  int rate_limit_per_user = 1200;  ///< requests per minute to the MCP endpoint per user; 0: off
  // Redirect-URI and client-registration hardening (all secure by default).
  bool disable_production_mode = false;
  bool allow_private_ip_redirect_uris = false;
  bool allow_link_local_redirect_uris = false;
  bool disable_dns_validation = false;
  bool disable_dns_validation_strict = false;
  bool disable_authorization_time_validation = false;
  std::vector<std::string> trusted_public_registration_schemes;
  bool disable_strict_scheme_matching = false;
  bool enable_cimd = true;
  bool cimd_allow_private_ips = false;
  std::string encryption_key, encryption_key_file;
  std::string storage_type = "memory";  ///< memory | valkey
  std::string valkey_url, valkey_password, valkey_password_file;
  bool valkey_tls = false;
  std::string valkey_key_prefix = "mcp:";
  int valkey_db = 0;
  bool downstream_oauth = false;
  std::vector<std::string> trusted_audiences;
  Duration access_token_ttl{std::chrono::hours(1)};
  Duration refresh_token_ttl{std::chrono::hours(720)};
};

struct CapiOptions {
  bool enable = false;
  std::string mode = "impersonation";  ///< impersonation | sso-passthrough
  Duration cache_ttl{std::chrono::minutes(10)};
  int cache_max_entries = 1000;
  std::string ca_configmap_suffix = "-ca-public";
  std::string kubeconfig_secret_suffix = "-kubeconfig";
  std::string group_mappings;  ///< WC_GROUP_MAPPINGS: a JSON object, IdP group → workload-cluster group
  /// The federation flags (or their environment variables) set explicitly, but --enable-capi;
  /// filled by note_given_flags(). Without --enable-capi they would do nothing, so they are refused.
  std::vector<std::string> given;
};

struct TelemetryOptions {
  std::string metrics_addr = ":9090";
  bool metrics_addr_given = false;  ///< set explicitly (stdio serves metrics only then)
  bool metrics_enabled = true;
  bool instrumentation_enabled = true;          ///< INSTRUMENTATION_ENABLED
  std::string metrics_exporter = "prometheus";  ///< METRICS_EXPORTER: prometheus | otlp | stdout
  std::string tracing_exporter = "none";        ///< TRACING_EXPORTER: none | otlp | stdout
  double traces_sampler_ratio = 1.0;            ///< OTEL_TRACES_SAMPLER_ARG (parent-based ratio)
  /// Whether spans are made and exported (INSTRUMENTATION_ENABLED=false turns them off too).
  bool tracing() const { return instrumentation_enabled && tracing_exporter != "none"; }
  /// Whether metrics are kept (and served or pushed): on with streamable-http unless turned off;
  /// with stdio (one process per client on a laptop) only when --metrics-addr or another
  /// exporter than prometheus is asked for.
  bool metrics(std::string_view transport) const {
    return metrics_enabled && instrumentation_enabled &&
           (transport != "stdio" || metrics_addr_given || metrics_exporter != "prometheus");
  }
};

struct ServeOptions {
  bool debug = false;
  std::string log_format;  ///< text | json; empty: json in a pod (KUBERNETES_SERVICE_HOST set), else text
  KubeOptions kube;
  policy::PolicyConfig policy;
  HttpOptions http;
  OAuthOptions oauth;
  CapiOptions capi;
  TelemetryOptions telemetry;
  /// Flags of features that have not landed yet which the command line (or their environment
  /// variable) set explicitly; filled by note_given_flags().
  std::vector<std::string> unlanded_given;
};

/// Declares every `serve` flag on `cmd`, bound to `o`; defaults are the initial values of `o`.
void add_serve_flags(CLI::App& cmd, ServeOptions& o);

/// Records in `o` which flags of not-yet-landed features (OAuth, client registration, Cluster
/// API, metrics) were given explicitly, after `cmd` has parsed the command line.
void note_given_flags(const CLI::App& cmd, ServeOptions& o);

/// Checks values and combinations. Reads secret files (to check they are readable), never
/// prints their contents. The error message names the offending flag.
Result<void> validate(const ServeOptions& o);

/// Features this build accepts on the command line but cannot run yet: one line per feature
/// naming its flag. `serve` refuses to start when the list is not empty, so that no flag is
/// ever silently ignored.
std::vector<std::string> unsupported_features(const ServeOptions& o);

/// A one-line, credential-free summary of the effective configuration, for the start-up log.
std::string describe(const ServeOptions& o);

}  // namespace mcpk::app
