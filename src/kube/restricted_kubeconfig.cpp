// Restricted kubeconfigs: inline data only (see kubeconfig.hpp).
#include <fmt/format.h>

#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

Result<RestConfig> restricted_rest_config(std::string_view text, std::string_view origin, std::string_view context) {
  auto parsed = parse_kubeconfig(text, "");
  if (!parsed) return fail(Errc::invalid_argument, fmt::format("{}: {}", origin, parsed.error().message));
  const Kubeconfig& kc = *parsed;
  const std::string name(context.empty() ? std::string_view(kc.current_context) : context);
  const auto ctx = kc.contexts.find(name);
  if (ctx == kc.contexts.end()) {
    return fail(Errc::invalid_argument, name.empty()
                                            ? fmt::format("{}: the kubeconfig names no current-context", origin)
                                            : fmt::format("{}: the kubeconfig has no context \"{}\"", origin, name));
  }
  auto refuse = [&](std::string_view field) {
    return fail(Errc::forbidden,
                fmt::format("{}: \"{}\" is not allowed in a kubeconfig that does not come from the server's own "
                            "files (only inline data: server, certificate-authority-data, client-certificate-data, "
                            "client-key-data, token)",
                            origin, field));
  };
  if (const auto c = kc.clusters.find(ctx->second.cluster); c != kc.clusters.end()) {
    const ClusterEntry& e = c->second;
    if (!e.certificate_authority.empty()) return refuse("certificate-authority");
    if (!e.proxy_url.empty()) return refuse("proxy-url");
    if (!e.server.starts_with("https://")) {
      return fail(Errc::invalid_argument, fmt::format("{}: the cluster's server must be an https:// URL", origin));
    }
  }
  if (const auto u = kc.users.find(ctx->second.user); u != kc.users.end()) {
    const UserEntry& e = u->second;
    if (e.exec) return refuse("exec");
    if (!e.auth_provider.empty()) return refuse("auth-provider");
    if (!e.client_certificate.empty()) return refuse("client-certificate");
    if (!e.client_key.empty()) return refuse("client-key");
    if (!e.token_file.empty()) return refuse("tokenFile");
    if (!e.impersonate.empty() || !e.impersonate_groups.empty()) return refuse("as");
  }
  // Everything left is inline: building the REST config reads no file and runs nothing.
  auto cfg = rest_config_for(kc, name);
  if (!cfg) return fail(cfg.error().code, fmt::format("{}: {}", origin, cfg.error().message));
  return cfg;
}

}  // namespace mcpk::kube
