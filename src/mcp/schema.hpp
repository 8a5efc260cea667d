/// @file
/// @brief Tool argument validation against the JSON Schema subset our tools declare.
///
/// Supported keywords: type (string | integer | number | boolean | object | array | null, or
/// an array of them), properties, required, additionalProperties (bool or schema), enum,
/// const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern
/// (ECMAScript), items, minItems, maxItems, uniqueItems, anyOf, oneOf, default, and the
/// annotations title, description, examples, format, $schema (ignored). Anything else in a
/// schema is refused when the tool is registered (check_schema), so a schema never promises
/// what is not enforced.
#pragma once

#include "core/error.hpp"
#include "core/json.hpp"

namespace mcpk::mcp {

/// Registration-time check: `schema` is an object schema ({"type":"object", ...}) that uses
/// only supported keywords, recursively; `default` values must themselves validate.
Result<void> check_schema(const json::object& schema);

/// Validates `args` against `schema` and fills in `default` values of absent properties
/// (recursively for nested objects that are present). The first problem is returned as
/// Errc::invalid_argument with a message that names the argument path and says how to fix it,
/// e.g. "argument 'limit': must be at most 500 (got 1000)",
/// "unknown argument 'nmespace' (valid: name, namespace, ...)",
/// "missing required argument 'name'", "argument 'output': must be one of: slim, full, yaml".
Result<void> validate_and_fill(const json::object& schema, json::object& args);

}  // namespace mcpk::mcp
