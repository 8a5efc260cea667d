/// @file
/// @brief Cluster API `Cluster` objects (cluster.x-k8s.io v1beta2, or v1beta1) as the data the
/// federation tools show: where the workload cluster's API server is, which provider and
/// organization it belongs to, and its health at a glance (control plane, infrastructure,
/// workers, conditions with their reasons).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::federation {

inline constexpr std::string_view kCapiGroup = "cluster.x-k8s.io";
/// Served versions we read, preferred first.
inline constexpr std::string_view kCapiVersions[] = {"v1beta2", "v1beta1"};

struct Condition {
  std::string type;
  std::string status;  ///< "True", "False", "Unknown"
  std::string reason;
  std::string message;
};

/// Replica counts of the control plane or of the workers; -1 where the status does not say.
struct Replicas {
  std::int64_t desired = -1;
  std::int64_t current = -1;
  std::int64_t ready = -1;
  std::int64_t available = -1;
  std::int64_t up_to_date = -1;
};

struct WorkloadCluster {
  std::string ns;
  std::string name;
  std::string api_version;    ///< the version it was read as
  std::string phase;          ///< Pending, Provisioning, Provisioned, Deleting, Failed ("" unknown)
  std::string provider;       ///< from the infrastructure reference's kind: "aws", "azure", "docker" ...
  std::string organization;   ///< the giantswarm.io/organization label, else the namespace without "org-"
  std::string version;        ///< the Kubernetes version of a topology-managed cluster
  std::string endpoint_host;  ///< spec.controlPlaneEndpoint
  std::int64_t endpoint_port = 0;
  bool paused = false;
  bool deleting = false;
  bool infrastructure_ready = false;
  bool control_plane_initialized = false;  ///< v1beta2; v1beta1: controlPlaneReady
  Replicas control_plane;
  Replicas workers;
  std::vector<Condition> conditions;
  std::map<std::string, std::string, std::less<>> labels;
  std::string created;  ///< metadata.creationTimestamp

  /// "namespace/name": what names the cluster without ambiguity.
  std::string qualified() const { return ns + "/" + name; }
  /// Ready: the Available condition (v1beta2) or Ready (v1beta1) is True, or, without
  /// conditions, infrastructure provisioned, control plane up and the phase Provisioned.
  bool ready() const;
  /// One word for tables: Ready, Provisioning, Deleting, Failed, Paused, NotReady.
  std::string status() const;
};

/// A Cluster object as read from the API (either version). Errors name what is missing.
Result<WorkloadCluster> parse_cluster(const json::value& object);

/// "aws" from "AWSCluster", "azure" from "AzureManagedCluster", "docker" from "DockerCluster".
std::string provider_of(std::string_view infrastructure_kind);

/// The health at a glance as text lines: control plane, infrastructure, workers, and every
/// condition that is not True with its reason and message.
std::vector<std::string> health_summary(const WorkloadCluster& cluster);

}  // namespace mcpk::federation
