/// @file
/// @brief Who a caller is on a workload cluster in impersonation mode: `Impersonate-User` is the
/// caller's email, one `Impersonate-Group` per group (renamed by WC_GROUP_MAPPINGS where the
/// workload clusters know a group by another name), and the extras `agent=mcp-kubernetes` and
/// `sub=<subject>`. The workload cluster's RBAC decides what that identity may do.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/scope.hpp"
#include "kube/chain.hpp"

namespace mcpk::federation {

/// Group on the management side (as the identity provider names it) → group on the workload
/// clusters. Groups without an entry pass unchanged.
using GroupMappings = std::map<std::string, std::string, std::less<>>;

/// WC_GROUP_MAPPINGS: a JSON object of non-empty strings, e.g. {"oidc:platform": "platform-admins"}.
/// Anything else is an error naming the variable and what is wrong (the server refuses to start).
Result<GroupMappings> parse_group_mappings(std::string_view json_text);

/// The impersonation for `caller`; an error when the caller has no email (the identity provider
/// must send one) or when a value could not travel in a header (control characters).
Result<kube::Impersonation> impersonation_for(const Caller& caller, const GroupMappings& mappings);

}  // namespace mcpk::federation
