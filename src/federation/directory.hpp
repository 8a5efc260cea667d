/// @file
/// @brief The workload clusters on the management cluster, read with the caller's own client, so
/// that a caller sees exactly the Clusters the management cluster's RBAC lets them list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/async.hpp"
#include "core/error.hpp"
#include "federation/capi.hpp"
#include "kube/call.hpp"
#include "kube/client.hpp"

namespace mcpk::federation {

/// Where the Cluster resource is served: v1beta2 when it is, else v1beta1; not_found when the
/// management cluster serves neither (Cluster API is not installed).
Task<Result<kube::ApiResource>> cluster_resource(kube::Client& management, const kube::CallContext& cc);

/// The Clusters of all namespaces that match `label_selector` (may be empty), read in pages of
/// 500 up to `max` clusters. A caller who may not list Clusters cluster-wide gets the API
/// server's 403, with a hint to name the cluster as namespace/name.
Task<Result<std::vector<WorkloadCluster>>> list_clusters(kube::Client& management, std::string label_selector,
                                                         std::size_t max, const kube::CallContext& cc);

/// One Cluster by namespace and name (a namespaced get: works where listing does not).
Task<Result<WorkloadCluster>> get_cluster(kube::Client& management, std::string ns, std::string name,
                                          const kube::CallContext& cc);

}  // namespace mcpk::federation
