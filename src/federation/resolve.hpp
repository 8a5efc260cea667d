/// @file
/// @brief Which workload cluster a name means. A name used in two namespaces is never resolved
/// silently: "namespace/name" picks one, a bare name is refused as ambiguous with the
/// candidates. `resolve_pattern` is capi_resolve_cluster's search: an exact name wins, else a
/// unique case-insensitive substring, else the candidates.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "federation/capi.hpp"

namespace mcpk::federation {

/// The cluster `name` ("ns/name" or a bare name) names among `known`; not_found (with a hint) or
/// invalid_argument (ambiguous, listing "ns/name" of each candidate).
Result<const WorkloadCluster*> find_cluster(std::span<const WorkloadCluster> known, std::string_view name);

struct Resolution {
  const WorkloadCluster* match = nullptr;          ///< null: none, or several (see candidates)
  std::string how;                                 ///< "exact", "substring"
  std::vector<const WorkloadCluster*> candidates;  ///< when there is no single match (at most 20)
};
Resolution resolve_pattern(std::span<const WorkloadCluster> known, std::string_view pattern);

}  // namespace mcpk::federation
