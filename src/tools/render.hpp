/// @file
/// @brief Presenting Kubernetes objects compactly: slim objects, YAML, kubectl-style tables.
#pragma once

#include <string>
#include <vector>

#include "core/json.hpp"

namespace mcpk::tools {

/// Removes what a reader never needs and keeps what explains state (SPEC §1.1 "slim"):
/// managedFields, last-applied-configuration, resourceVersion, uid, generation, selfLink,
/// ownerReferences, finalizers, condition timestamps, injected defaults (default probe
/// fields, termination message settings, default scheduler/DNS policy/grace period, the
/// kube-api-access token volume and its mounts, default tolerations), and summarises env
/// lists longer than 10 entries. Works on single objects and on lists (items).
void slim(json::value& v);

/// Block-style YAML. Strings are quoted whenever a plain scalar would read as something else.
std::string to_yaml(const json::value& v);

/// Rows of cells as left-aligned columns separated by three spaces (kubectl's layout),
/// one line per row, trailing spaces trimmed.
std::string align_columns(const std::vector<std::vector<std::string>>& rows);

/// A server-side Table (meta.k8s.io/v1) as aligned text, kubectl's default columns
/// (priority 0). With `with_namespace` a NAMESPACE column comes first. Cells of type "date"
/// are shown as ages.
std::string render_table(const json::object& table, bool with_namespace);
/// The same as cells: the header row first, then one row per object.
std::vector<std::vector<std::string>> table_rows(const json::object& table, bool with_namespace);

}  // namespace mcpk::tools
