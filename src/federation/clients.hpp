/// @file
/// @brief Clients of workload clusters, one per (workload cluster, caller identity), from an
/// async cache with a TTL (--capi-cache-ttl), a size bound (--capi-cache-max-entries) and
/// single-flight creation; a failed creation is not cached. Connection pools, the rate limiter
/// and discovery are the workload cluster's (one kube::Cluster each), shared by all its callers.
///
/// impersonation (default): the server reads `<cluster><suffix>` (data key `value`) with its own
/// management-cluster client, accepts it only as a restricted kubeconfig (inline data; no exec
/// plugin, files or proxy), and sends the caller's identity as Impersonate-* headers.
/// sso-passthrough: only the CA is read (`<cluster><ca suffix>` ConfigMap, key `ca.crt`), with
/// the caller's own client; the endpoint is the Cluster's controlPlaneEndpoint and the caller's
/// own token goes with every request. No fallback from one mode to the other.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/async_cache.hpp"
#include "federation/capi.hpp"
#include "federation/identity.hpp"
#include "kube/client.hpp"

namespace mcpk::federation {

enum class AuthMode { impersonation, sso_passthrough };

struct WorkloadOptions {
  AuthMode mode = AuthMode::impersonation;
  std::string kubeconfig_secret_suffix = "-kubeconfig";
  std::string ca_configmap_suffix = "-ca-public";
  AsyncCacheOptions cache;
  GroupMappings group_mappings;
  kube::TransportOptions transport;
  std::shared_ptr<kube::TransportObserver> observer;  ///< null: none
};

class WorkloadClients {
 public:
  WorkloadClients(net::any_io_executor executor, WorkloadOptions options);

  /// The client of `cluster` for the caller in `cc.scope`. `server` is the server's own client
  /// of the management cluster (it reads kubeconfig Secrets), `caller` the caller's (it reads CA
  /// ConfigMaps in sso-passthrough mode).
  Task<Result<std::shared_ptr<kube::Client>>> client(const WorkloadCluster& cluster,
                                                     std::shared_ptr<kube::Client> server,
                                                     std::shared_ptr<kube::Client> caller, const kube::CallContext& cc);
  /// A Cluster that is gone: its clients and its connections, at once.
  void forget(std::string_view qualified);

  const AsyncCacheStats& cache_stats() const { return cache_.stats(); }
  std::size_t cached_clients() const { return cache_.size(); }
  const WorkloadOptions& options() const { return options_; }

 private:
  Task<Result<std::shared_ptr<kube::Client>>> make(WorkloadCluster cluster, std::shared_ptr<kube::Client> server,
                                                   std::shared_ptr<kube::Client> caller, kube::CallContext cc,
                                                   std::string identity);
  /// The workload cluster's shared parts, renewed when its endpoint or TLS identity changed.
  std::shared_ptr<kube::Cluster> cluster_for(const std::string& qualified, const kube::RestConfig& config);

  net::any_io_executor executor_;
  WorkloadOptions options_;
  struct Shared {
    std::string fingerprint;
    std::shared_ptr<kube::Cluster> cluster;
  };
  std::map<std::string, Shared, std::less<>> clusters_;
  AsyncCache<std::shared_ptr<kube::Client>> cache_;
};

}  // namespace mcpk::federation
