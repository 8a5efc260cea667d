/// @file
/// @brief API discovery (aggregated discovery, apidiscovery.k8s.io/v2, where the server offers
/// it; the per-group-version documents otherwise) and REST mapping from what a user types to
/// a resource, as kubectl does it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::kube {

struct ApiResource {
  std::string group;  ///< "" for the core group
  std::string version;
  std::string resource;  ///< plural, e.g. deployments
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool preferred = false;  ///< this version is the group's preferred one
  std::vector<std::string> verbs, short_names, categories, subresources;

  /// "v1" or "apps/v1".
  std::string group_version() const;
  /// "deployments.apps" or "pods".
  std::string qualified_name() const;
  bool has_verb(std::string_view verb) const;
  bool has_subresource(std::string_view sub) const;
};

/// A well-known resource without asking discovery (pods, events, nodes: always served).
ApiResource known_resource(std::string_view group, std::string_view version, std::string_view resource,
                           std::string_view kind, bool namespaced);

/// Parses an aggregated discovery document (APIGroupDiscoveryList) into resources, in the
/// server's order (groups by priority, versions by preference).
Result<std::vector<ApiResource>> parse_aggregated_discovery(const json::value& doc);
/// Parses one legacy APIResourceList (/api/v1 or /apis/<g>/<v>); subresources ("pods/log")
/// are folded into their parent's `subresources`.
Result<std::vector<ApiResource>> parse_resource_list(const json::value& doc, std::string_view group,
                                                     std::string_view version, bool preferred);

struct Resolution {
  ApiResource resource;
  std::string note;  ///< set when the name was ambiguous: which one was chosen and what else matched
};

/// Maps `type` (plural, singular, Kind, short name, resource.group, resource.version.group;
/// case-insensitive) and optional `api_group` ("apps", "apps/v1", "core" or "" = any) to one
/// resource. Ambiguity resolves as kubectl does: the group's preferred version; the core group
/// before others; built-in (*.k8s.io or unqualified) groups before the rest.
/// A miss is Errc::not_found with suggestions.
Result<Resolution> resolve_resource(const std::vector<ApiResource>& resources, std::string_view type,
                                    std::string_view api_group);

}  // namespace mcpk::kube
