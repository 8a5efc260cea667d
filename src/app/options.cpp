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
#include "core/text.hpp"
#include "federation/identity.hpp"
#include "transport/address.hpp"

namespace mcpk::app {
namespace {

// --- validation helpers ---------------------------------------------------------------------

std::unexpected<Error> bad(std::string_view flag, std::string_view why) {
  return fail(Errc::invalid_argument, fmt::format("--{}: {}", flag, why));
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

// An identity provider on a loopback or private address only when the operator says so (a
// name is checked again at every connection, after resolution).
Result<void> check_public_host(std::string_view flag, const std::string& url, bool allow_private) {
  if (allow_private) return {};
  auto u = boost::urls::parse_absolute_uri(url);
  const std::string host = u ? std::string(u->host_address()) : std::string();
  const auto kind = transport::classify_literal(host);
  if (transport::is_loopback_host(host) || (kind && *kind != transport::AddressKind::public_net)) {
    return bad(flag, "is on a loopback or private address; allow it with --allow-private-oauth-urls");
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
  return {};
}

Result<void> validate_oauth(const ServeOptions& s) {
  const auto& o = s.oauth;
  if (!o.enable) {
    if (!o.given.empty()) return bad(o.given.front().substr(2), "needs --enable-oauth");
    return {};
  }
  if (s.http.transport != "streamable-http") return bad("enable-oauth", "needs --transport=streamable-http");
  if (o.base_url.empty()) return bad("oauth-base-url", "is required with --enable-oauth");
  MCPK_TRY(check_url("oauth-base-url", o.base_url, true));
  if (o.provider == "dex") {
    if (o.dex_issuer_url.empty()) return bad("dex-issuer-url", "is required with --oauth-provider=dex");
    MCPK_TRY(check_url("dex-issuer-url", o.dex_issuer_url, true));
    MCPK_TRY(check_public_host("dex-issuer-url", o.dex_issuer_url, o.allow_private_oauth_urls));
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
  if (o.rate_limit_per_ip < 0) return bad("oauth-rate-limit-per-ip", "must not be negative (0: no limit)");
  if (o.rate_limit_per_user < 0) return bad("oauth-rate-limit-per-user", "must not be negative (0: no limit)");
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
  MCPK_TRY(check_secret_pair("valkey-password", o.valkey_password, o.valkey_password_file));
  if (o.valkey_db < 0) return bad("valkey-db", "must not be negative");
  if (o.storage_type == "valkey") {
    if (o.valkey_url.empty()) return bad("valkey-url", "is required with --oauth-storage-type=valkey");
    if (o.encryption_key.empty() && o.encryption_key_file.empty()) {
      return bad("oauth-encryption-key", "is required with --oauth-storage-type=valkey (tokens at rest are encrypted)");
    }
  } else if (o.storage_type != "memory") {
    return bad("oauth-storage-type", fmt::format("\"{}\" is not one of: memory, valkey", o.storage_type));
  }
  return {};
}

Result<void> validate_capi(const ServeOptions& s) {
  const auto& c = s.capi;
  if (c.mode != "impersonation" && c.mode != "sso-passthrough") {
    return bad("capi-mode", fmt::format("\"{}\" is not one of: impersonation, sso-passthrough", c.mode));
  }
  if (c.cache_max_entries < 1) return bad("capi-cache-max-entries", "must be at least 1");
  // The suffixes end object names: lower-case letters, digits, '-' and '.' only.
  for (const auto& [flag, suffix] : {std::pair{"capi-ca-configmap-suffix", &c.ca_configmap_suffix},
                                     std::pair{"capi-kubeconfig-secret-suffix", &c.kubeconfig_secret_suffix}}) {
    const bool ok = !suffix->empty() && suffix->size() <= 63 && std::ranges::all_of(*suffix, [](char ch) {
      return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    });
    if (!ok) return bad(flag, fmt::format("\"{}\" must be lower-case letters, digits, '-' or '.'", clip(*suffix)));
  }
  if (auto mappings = federation::parse_group_mappings(c.group_mappings); !mappings) {
    return fail(mappings.error().code, "--capi-group-mappings (" + mappings.error().message + ")");
  }
  if (!c.enable) {
    if (!c.given.empty()) return bad(c.given.front().substr(2), "needs --enable-capi");
    return {};
  }
  if (!s.oauth.enable || !s.oauth.downstream_oauth) {
    return bad("enable-capi", "needs --enable-oauth and --downstream-oauth (each user's own identity)");
  }
  return {};
}

}  // namespace

Result<void> validate(const ServeOptions& o) {
  if (!o.log_format.empty() && o.log_format != "text" && o.log_format != "json") {
    return bad("log-format", fmt::format("\"{}\" is not one of: text, json", o.log_format));
  }
  MCPK_TRY(validate_kube(o.kube));
  if (auto r = policy::validate(o.policy); !r) return r;
  MCPK_TRY(validate_http(o.http));
  MCPK_TRY(validate_oauth(o));
  MCPK_TRY(validate_capi(o));
  MCPK_TRY(check_addr("metrics-addr", o.telemetry.metrics_addr));
  if (const auto& e = o.telemetry.metrics_exporter; e != "prometheus" && e != "otlp" && e != "stdout") {
    return fail(Errc::invalid_argument,
                fmt::format("METRICS_EXPORTER: \"{}\" is not one of prometheus, otlp, stdout", e));
  }
  if (const auto& e = o.telemetry.tracing_exporter; e != "none" && e != "otlp" && e != "stdout") {
    return fail(Errc::invalid_argument, fmt::format("TRACING_EXPORTER: \"{}\" is not one of none, otlp, stdout", e));
  }
  if (const auto r = o.telemetry.traces_sampler_ratio; !(r >= 0.0 && r <= 1.0)) {
    return fail(Errc::invalid_argument, fmt::format("OTEL_TRACES_SAMPLER_ARG: {} is not a ratio between 0 and 1",
                                                    o.telemetry.traces_sampler_ratio));
  }
  return {};
}

std::vector<std::string> unsupported_features(const ServeOptions& o) {
  std::vector<std::string> out;
  for (const auto& flag : o.unlanded_given) {
    out.push_back(flag + ": its feature has not landed yet");
  }
  return out;
}

std::string describe(const ServeOptions& o) {
  return fmt::format(
      "transport={} http-addr={} endpoint={} non-destructive={} dry-run={} qps={} burst={} tool-timeout={} "
      "oauth={} provider={} oauth-base-url={} client-secret={} registration-token={} encryption-key={} storage={} "
      "valkey-url={} valkey-password={} downstream-oauth={} trusted-audiences={} capi={}",
      o.http.transport, o.http.http_addr, o.http.http_endpoint, o.policy.non_destructive, o.policy.dry_run,
      o.kube.qps_limit, o.kube.burst_limit, format_duration(o.kube.tool_timeout.value), o.oauth.enable,
      o.oauth.provider, redact_url(o.oauth.base_url),
      redact_secret(o.oauth.dex_client_secret + o.oauth.dex_client_secret_file + o.oauth.google_client_secret +
                    o.oauth.google_client_secret_file),
      redact_secret(o.oauth.registration_token + o.oauth.registration_token_file),
      redact_secret(o.oauth.encryption_key + o.oauth.encryption_key_file), o.oauth.storage_type,
      redact_url(o.oauth.valkey_url), redact_secret(o.oauth.valkey_password + o.oauth.valkey_password_file),
      o.oauth.downstream_oauth, o.oauth.trusted_audiences.size(), o.capi.enable);
}

}  // namespace mcpk::app
