/// @file
/// @brief The safety policy (SPEC §2) as decisions: which tools are offered, and whether one
/// call may go ahead. One Policy per server; every tool call passes through it (the app wires
/// it into the MCP middleware and into the tools' resource resolution).
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "policy/config.hpp"

namespace mcpk::policy {

class Policy {
 public:
  explicit Policy(PolicyConfig config) : config_(std::move(config)) {}

  const PolicyConfig& config() const { return config_; }
  bool dry_run() const { return config_.dry_run; }

  /// Whether a tool of this operation is listed at all. Mutating tools are hidden under
  /// --non-destructive; exec and port-forward also under --dry-run (they cannot be dry-run).
  bool offers(std::string_view operation, bool mutating) const;
  /// The same decision for a call, with the reason naming the flag.
  Result<void> check_operation(std::string_view operation, bool mutating) const;
  /// --allowed-namespaces / --denied-namespaces for one namespace ("" = cluster scope: allowed).
  Result<void> check_namespace(std::string_view ns) const;
  /// A call across all namespaces is refused while namespaces are restricted.
  Result<void> check_all_namespaces() const;
  /// --denied-resources against a resolved resource ("secrets", "deployments.apps").
  Result<void> check_resource(std::string_view plural, std::string_view group) const;

 private:
  PolicyConfig config_;
};

}  // namespace mcpk::policy
