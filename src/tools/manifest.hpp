/// @file
/// @brief Manifests as users give them: a JSON object, or a YAML/JSON string holding one or
/// more documents ("---" separated; a v1 List is expanded into its items).
#pragma once

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::tools {

/// YAML text to JSON values, one per non-empty document. Plain scalars become null, booleans
/// and numbers as YAML 1.2's core schema reads them; quoted scalars stay strings. Errors name
/// the line and column.
Result<std::vector<json::value>> parse_yaml_documents(std::string_view text);

/// The objects of a manifest argument (an object, or a string of YAML/JSON documents). Each
/// must be an object with apiVersion, kind and metadata.name (or generateName); errors name
/// the document by position.
Result<std::vector<json::object>> manifest_objects(const json::value& manifest);

}  // namespace mcpk::tools
