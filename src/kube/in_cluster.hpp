/// @file
/// @brief In-cluster configuration (client-go rest.InClusterConfig): the pod's service account
/// token, CA and namespace, and the API server from KUBERNETES_SERVICE_HOST/PORT.
#pragma once

#include <string_view>

#include "core/error.hpp"
#include "kube/kubeconfig.hpp"

namespace mcpk::kube {

inline constexpr std::string_view kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

/// The token is kept as a file path (re-read so a rotated projected token is picked up);
/// the namespace file is optional ("default"). Errors say what is missing.
Result<RestConfig> in_cluster_config(std::string_view service_account_dir = kServiceAccountDir);

}  // namespace mcpk::kube
