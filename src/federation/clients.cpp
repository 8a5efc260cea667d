#include "federation/clients.hpp"

#include <fmt/format.h>

#include "core/base64.hpp"
#include "kube/client_source.hpp"
#include "kube/cluster.hpp"

namespace mcpk::federation {
namespace {

std::string path_of(std::string_view kind, std::string_view ns, std::string_view name) {
  return fmt::format("/api/v1/namespaces/{}/{}/{}", ns, kind, name);
}

// Names what could not be read and why, without echoing any of its content.
Error reading(std::string_view what, const Error& e) {
  auto out = e;
  out.message = fmt::format("{}: {}", what, e.message);
  return out;
}

}  // namespace

WorkloadClients::WorkloadClients(net::any_io_executor executor, WorkloadOptions options)
    : executor_(std::move(executor)), options_(std::move(options)), cache_(executor_, options_.cache) {}

std::shared_ptr<kube::Cluster> WorkloadClients::cluster_for(const std::string& qualified,
                                                            const kube::RestConfig& config) {
  // Whatever decides the connection (endpoint, CA, client certificate) decides the Cluster: a
  // rotated kubeconfig gets fresh connections; the same one shares them across callers.
  const auto fingerprint = config.server + '\n' + config.ca_pem + '\n' + config.client_cert_pem;
  auto& shared = clusters_[qualified];
  if (!shared.cluster || shared.fingerprint != fingerprint) {
    shared.cluster = std::make_shared<kube::Cluster>(executor_, qualified, options_.transport, options_.observer);
    shared.fingerprint = fingerprint;
  }
  return shared.cluster;
}

Task<Result<std::shared_ptr<kube::Client>>> WorkloadClients::make(WorkloadCluster cluster,
                                                                  std::shared_ptr<kube::Client> server,
                                                                  std::shared_ptr<kube::Client> caller,
                                                                  kube::CallContext cc, std::string identity) {
  const auto qualified = cluster.qualified();
  const auto& who = *cc.scope.caller;
  if (options_.mode == AuthMode::sso_passthrough) {
    if (!who.credential) {
      co_return fail(Errc::unauthenticated,
                     fmt::format("workload cluster {} is reached with your own token (sso-passthrough), and this "
                                 "session carries none: sign in again",
                                 qualified));
    }
    if (cluster.endpoint_host.empty()) {
      co_return fail(Errc::unavailable,
                     fmt::format("workload cluster {} has no control plane endpoint yet", qualified));
    }
    const auto name = cluster.name + options_.ca_configmap_suffix;
    const auto what =
        fmt::format("the CA of workload cluster {} (ConfigMap {}/{}, key ca.crt)", qualified, cluster.ns, name);
    auto cm = co_await caller->get_json(path_of("configmaps", cluster.ns, name), cc, std::string("application/json"));
    if (!cm) co_return std::unexpected(reading(what, cm.error()));
    const auto* data = cm->is_object() ? find_object(cm->get_object(), "data") : nullptr;
    const auto ca = data ? string_or(*data, "ca.crt") : std::string_view{};
    if (ca.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
      co_return fail(Errc::invalid_argument, what + ": no PEM certificate there");
    }
    kube::RestConfig config;
    config.context = qualified;
    config.server =
        fmt::format("https://{}:{}", cluster.endpoint_host, cluster.endpoint_port ? cluster.endpoint_port : 443);
    config.ca_pem = std::string(ca);
    kube::DecoratorChain chain{kube::caller_bearer()};
    co_return kube::Client::create(cluster_for(qualified, config), config, std::move(chain), identity);
  }

  auto impersonation = impersonation_for(who, options_.group_mappings);
  if (!impersonation) co_return std::unexpected(impersonation.error());
  const auto name = cluster.name + options_.kubeconfig_secret_suffix;
  const auto origin = fmt::format("Secret {}/{}", cluster.ns, name);
  const auto what = fmt::format("the kubeconfig of workload cluster {} ({}, key value)", qualified, origin);
  auto secret = co_await server->get_json(path_of("secrets", cluster.ns, name), cc, std::string("application/json"));
  if (!secret) co_return std::unexpected(reading(what, secret.error()));
  const auto* data = secret->is_object() ? find_object(secret->get_object(), "data") : nullptr;
  const auto encoded = data ? string_or(*data, "value") : std::string_view{};
  if (encoded.empty()) co_return fail(Errc::invalid_argument, what + ": the Secret has no data key \"value\"");
  auto text = base64_decode(encoded);
  if (!text) co_return fail(Errc::invalid_argument, what + ": \"value\" is not base64");
  auto config = kube::restricted_rest_config(*text, origin);
  if (!config) co_return std::unexpected(config.error());
  config->context = qualified;
  auto chain = kube::config_identity(executor_, *config);
  chain.push_back(kube::impersonate(std::move(*impersonation)));
  co_return kube::Client::create(cluster_for(qualified, *config), *config, std::move(chain), identity);
}

Task<Result<std::shared_ptr<kube::Client>>> WorkloadClients::client(const WorkloadCluster& cluster,
                                                                    std::shared_ptr<kube::Client> server,
                                                                    std::shared_ptr<kube::Client> caller,
                                                                    const kube::CallContext& cc) {
  const auto identity = kube::identity_key(*cc.scope.caller);
  // The key starts with the cluster, so a deleted Cluster's clients go together.
  const auto key = cluster.qualified() + '\0' + identity;
  // The clients are held by the creation, which may outlive the call that started it (another
  // call waiting for the same client keeps it going).
  AsyncCache<std::shared_ptr<kube::Client>>::Make make = [this, cluster, server, caller, cc,
                                                          identity]() -> Task<Result<std::shared_ptr<kube::Client>>> {
    co_return co_await this->make(cluster, server, caller, cc, identity);
  };
  auto client = co_await cache_.get(key, make, cc.cancel);
  if (client && (*client)->owner() != identity) co_return fail(Errc::internal, "client cache identity mismatch");
  co_return client;
}

void WorkloadClients::forget(std::string_view qualified) {
  cache_.erase_prefix(std::string(qualified) + '\0');
  if (auto it = clusters_.find(qualified); it != clusters_.end()) clusters_.erase(it);
}

}  // namespace mcpk::federation
