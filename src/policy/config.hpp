/// @file
/// @brief The safety policy's configuration (SPEC §2), parsed and validated from flag values.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace mcpk::policy {

/// Operation verbs that --allowed-operations / --denied-operations name. Each tool belongs
/// to exactly one (k8s_get_resource → get, k8s_port_forward_pod → port-forward, ...).
std::span<const std::string_view> known_operations() noexcept;

struct PolicyConfig {
  bool non_destructive = true;                  ///< no request that changes cluster state
  bool dry_run = false;                         ///< mutating calls run with dryRun=All
  std::vector<std::string> allowed_operations;  ///< empty = all
  std::vector<std::string> denied_operations;
  std::vector<std::string> allowed_namespaces;  ///< globs; empty = all
  std::vector<std::string> denied_namespaces;   ///< globs
  std::vector<std::string> denied_resources;    ///< resource names, e.g. "secrets", "secrets.v1"
};

/// Checks every list: operations must be known verbs, namespace globs must use only the
/// characters of a namespace name plus '*' and '?', resources must be lower-case names.
/// The error names the flag and the offending value.
Result<void> validate(const PolicyConfig& config);

}  // namespace mcpk::policy
